import { type TObject, type TProperties, type TUnsafe, Type } from "typebox";
import type { ConfigAnnotations } from "./keywords.js";

/**
 * The few shapes every section is made of, so that the rules of `schema-node.ts` hold by
 * construction: closed objects, `default: {}` on sections that are always there, none on
 * list entries or optional sections.
 */

/** A section that is always present: zero configuration fills its defaults. */
export function section<P extends TProperties>(description: string, properties: P): TObject<P> {
  return Type.Object(properties, { description, additionalProperties: false, default: {} });
}

/** A section that is absent unless set (`auth.jwt`); setting any key of it creates it. */
export function optionalSection<P extends TProperties>(description: string, properties: P) {
  return Type.Optional(Type.Object(properties, { description, additionalProperties: false }));
}

/** One entry of a list (`auth.tokens[]`): written by the operator, never filled in whole. */
export function entry<P extends TProperties>(description: string, properties: P): TObject<P> {
  return Type.Object(properties, { description, additionalProperties: false });
}

/** A string from a closed set; the static type is the union of its values. */
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: { description?: string; default?: V[number] } & ConfigAnnotations,
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ ...options, type: "string", enum: [...values] });
}

/** An operator's own JSON Schema (see `userSchema` in keywords.ts). */
export function userSchema(description: string) {
  return Type.Optional(
    Type.Unsafe<Record<string, unknown>>({ type: "object", userSchema: true, description }),
  );
}

/**
 * A copy of a part of the schema without its `env` annotations, for reuse where a variable
 * cannot reach (inside a list: `endpoints[].auth.jwt` is `auth.jwt` without POSTOFFICE_JWT_SECRET).
 * Copied descriptor by descriptor: TypeBox keeps its own markers in non-enumerable keys.
 */
export function withoutEnv<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => withoutEnv(item)) as T;
  if (typeof schema !== "object" || schema === null) return schema;
  const copy = {};
  for (const key of Reflect.ownKeys(schema)) {
    if (key === "env") continue;
    const descriptor = Object.getOwnPropertyDescriptor(schema, key);
    if (descriptor === undefined) continue;
    Object.defineProperty(copy, key, { ...descriptor, value: withoutEnv(descriptor.value) });
  }
  return copy as T;
}
