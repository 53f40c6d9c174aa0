import { type TUnsafe, Type } from "typebox";

/** A fixed parameter from a closed set; its static type is the union of the values. */
export function oneOfStrings<const V extends readonly string[]>(
  values: V,
  fallback: V[number],
  description: string,
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({
    type: "string",
    enum: [...values],
    default: fallback,
    description,
  });
}
