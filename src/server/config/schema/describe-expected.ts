import { patternOf } from "./patterns.js";
import type { SchemaNode } from "./schema-node.js";

/** What a node accepts, in words, for error messages: "integer between 1 and 65535". */
export function describeExpected(node: SchemaNode): string {
  if (node.enum !== undefined)
    return `one of ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  switch (node.type) {
    case "integer":
      return describeRange(node.minimum, node.maximum);
    case "string":
      if (node.pattern !== undefined)
        return patternOf(node.pattern)?.expected ?? `string matching ${node.pattern}`;
      if (node.minLength === 1) return "non-empty string";
      return node.minLength === undefined
        ? "string"
        : `string of at least ${node.minLength} characters`;
    case "boolean":
      return "boolean (true or false)";
    case "array":
      return node.items === undefined
        ? "list"
        : `list (each item: ${describeExpected(node.items)})`;
    case "object":
      if (node.namedEntries) return "a mapping of names to definitions";
      return node.userSchema ? "a JSON Schema object" : "mapping of keys to values";
  }
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `integer between ${min} and ${max}`;
  if (min !== undefined) return `integer of at least ${min}`;
  if (max !== undefined) return `integer of at most ${max}`;
  return "integer";
}
