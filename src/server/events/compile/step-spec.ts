import { escapePointer, type Problem } from "./problem.js";

/** One item of a `modifiers:` or `actions:` list, as written, before its definition is known. */
export interface StepSpec {
  name: string;
  params: unknown;
  /** Where the parameters are, for their problems. */
  paramsPointer: string;
}

/**
 * The three ways to write a step: GoDispatch's `{name, params}`, Postoffice's `{<name>: <params>}`
 * (a mapping of named parameters, a list, or one value), or a bare name.
 */
export function readStepSpec(item: unknown, pointer: string): StepSpec | Problem {
  if (typeof item === "string") return { name: item, params: undefined, paramsPointer: pointer };
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return {
      pointer,
      message: "a step is a name, {name: <name>, params: [...]}, or {<name>: <params>}",
    };
  }
  const keys = Object.keys(item);
  const fields = item as Record<string, unknown>;
  if (keys.includes("name") && keys.every((key) => key === "name" || key === "params")) {
    if (typeof fields.name !== "string")
      return { pointer: `${pointer}/name`, message: "name must be a string" };
    return { name: fields.name, params: fields.params, paramsPointer: `${pointer}/params` };
  }
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    return { name: only, params: fields[only], paramsPointer: `${pointer}/${escapePointer(only)}` };
  }
  return {
    pointer,
    message: `a step names one action or modifier: {${keys.join(", ")}} names ${keys.length}; write one step per list item`,
  };
}
