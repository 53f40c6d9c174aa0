import type { SchemaNode } from "../../src/server/config/schema.js";

export interface SchemaLeaf {
  /** Dotted path as the docs write it: `server.port`, `auth.tokens[].user`. */
  dotted: string;
  node: SchemaNode;
}

/**
 * Every key a user can set: scalars, arrays, the keys inside arrays of objects, and objects
 * that hold an operator's JSON Schema (`userSchema`), which are one key whatever they hold.
 */
export function schemaLeaves(node: SchemaNode, prefix = ""): SchemaLeaf[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const dotted = prefix === "" ? key : `${prefix}.${key}`;
    if (child.type === "object" && !child.userSchema) return schemaLeaves(child, dotted);
    if (child.type === "array" && child.items?.type === "object") {
      return [{ dotted, node: child }, ...schemaLeaves(child.items, `${dotted}[]`)];
    }
    return [{ dotted, node: child }];
  });
}
