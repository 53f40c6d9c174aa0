import type { JsonObject, JsonValue } from "../../../protocol/index.js";
import {
  PLACEHOLDER,
  PLACEHOLDER_START,
  type Placeholder,
  parsePlaceholder,
} from "./placeholder.js";
import type { TemplateScope } from "./template-scope.js";

/**
 * A value from the configuration whose strings may hold placeholders, compiled once. Templates
 * are values, not text: a string that is exactly one placeholder becomes the value it names
 * (a number, an object, a string with quotes and HTML, unchanged); a placeholder inside a
 * longer string is written into it as text (a string as it is, anything else as JSON).
 * Objects and arrays are built anew for each event; mapping keys are never templates.
 */
export interface Template {
  /** No placeholder inside: `resolve` returns the same frozen value every time. */
  readonly constant: boolean;
  readonly placeholders: readonly Placeholder[];
  /** Throws MissingPathError when a placeholder names a path the event does not have. */
  resolve(scope: TemplateScope): JsonValue;
}

export interface TemplateProblem {
  /** JSON pointer below the templated value ("" for the value itself). */
  pointer: string;
  message: string;
}

export type TemplateResult =
  | { ok: true; template: Template }
  | { ok: false; problems: TemplateProblem[] };

type Resolver = (scope: TemplateScope) => JsonValue;

interface Node {
  resolve: Resolver;
  constant: JsonValue | undefined;
}

/** Compiles a configuration value (from YAML or JSON) into a template. */
export function compileTemplate(value: unknown): TemplateResult {
  const problems: TemplateProblem[] = [];
  const placeholders: Placeholder[] = [];
  const node = compileNode(value, "", problems, placeholders);
  if (problems.length > 0 || node === undefined) return { ok: false, problems };
  const { resolve, constant } = node;
  return {
    ok: true,
    template: { constant: constant !== undefined, placeholders, resolve },
  };
}

/** A template of a value known now: what `params` defaults and plug-ins' constants become. */
export function constantTemplate(value: JsonValue): Template {
  const frozen = deepFreeze(value);
  return { constant: true, placeholders: [], resolve: () => frozen };
}

function constantNode(value: JsonValue): Node {
  const frozen = deepFreeze(value);
  return { resolve: () => frozen, constant: frozen };
}

function compileNode(
  value: unknown,
  pointer: string,
  problems: TemplateProblem[],
  placeholders: Placeholder[],
): Node | undefined {
  if (value === null || typeof value === "boolean") return constantNode(value);
  if (typeof value === "number") {
    if (Number.isFinite(value)) return constantNode(value);
    problems.push({ pointer, message: `${value} is not a JSON number` });
    return undefined;
  }
  if (typeof value === "string") return compileString(value, pointer, problems, placeholders);
  if (Array.isArray(value)) {
    const items = value.map((item, i) =>
      compileNode(item, `${pointer}/${i}`, problems, placeholders),
    );
    if (items.some((item) => item === undefined)) return undefined;
    const nodes = items as Node[];
    if (nodes.every((node) => node.constant !== undefined)) {
      return constantNode(nodes.map((node) => node.constant as JsonValue));
    }
    const resolvers = nodes.map((node) => node.resolve);
    return { resolve: (scope) => resolvers.map((resolve) => resolve(scope)), constant: undefined };
  }
  if (typeof value === "object") {
    const entries: Array<[string, Node]> = [];
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (key === "__proto__") {
        problems.push({ pointer: at, message: "__proto__ cannot be a key of a payload" });
        continue;
      }
      const node = compileNode(child, at, problems, placeholders);
      if (node !== undefined) entries.push([key, node]);
    }
    if (entries.length !== Object.keys(value).length) return undefined;
    if (entries.every(([, node]) => node.constant !== undefined)) {
      return constantNode(
        Object.fromEntries(entries.map(([key, node]) => [key, node.constant as JsonValue])),
      );
    }
    const resolvers = entries.map(([key, node]): [string, Resolver] => [key, node.resolve]);
    return {
      resolve: (scope) => {
        const out: JsonObject = {};
        for (const [key, resolve] of resolvers) out[key] = resolve(scope);
        return out;
      },
      constant: undefined,
    };
  }
  problems.push({ pointer, message: `a ${typeof value} is not a JSON value` });
  return undefined;
}

function compileString(
  text: string,
  pointer: string,
  problems: TemplateProblem[],
  placeholders: Placeholder[],
): Node | undefined {
  const parts: Array<string | Placeholder> = [];
  let last = 0;
  let failed = false;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const parsed = parsePlaceholder(match[1] ?? "", match[2] ?? "");
    if (typeof parsed === "string") {
      problems.push({ pointer, message: parsed });
      failed = true;
      last = match.index + match[0].length;
      continue;
    }
    placeholders.push(parsed);
    const literal = text.slice(last, match.index);
    if (PLACEHOLDER_START.test(literal)) failed = typo(literal, pointer, problems);
    if (literal !== "") parts.push(literal);
    parts.push(parsed);
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (PLACEHOLDER_START.test(rest)) failed = typo(rest, pointer, problems);
  if (failed) return undefined;
  if (rest !== "") parts.push(rest);
  const [only] = parts;
  if (parts.length === 0) return constantNode(text);
  if (parts.length === 1 && only !== undefined) {
    return typeof only === "string"
      ? constantNode(only)
      : { resolve: (scope) => only.get(scope), constant: undefined };
  }
  return {
    resolve: (scope) => {
      let out = "";
      for (const part of parts) out += typeof part === "string" ? part : asText(part.get(scope));
      return out;
    },
    constant: undefined,
  };
}

function typo(text: string, pointer: string, problems: TemplateProblem[]): true {
  const at = PLACEHOLDER_START.exec(text)?.index ?? 0;
  const shown = text.slice(at, at + 40);
  problems.push({
    pointer,
    message: `"${shown}" opens a placeholder that does not close or uses characters a path cannot have; a path is {$name.field} or {.payload.a.b} (letters, digits, _ and -)`,
  });
  return true;
}

/** A value written into text: a string as it is, anything else as JSON. */
export function asText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
