import type { SchemaNode } from "./schema-node.js";

/** A key a user can set, found by walking the schema. */
export interface SchemaLeaf {
  /** Key path; list items are entered as "[]": ["auth", "tokens", "[]", "user"]. */
  keys: string[];
  /** As the docs write it: `server.port`, `auth.tokens[].user`. */
  dotted: string;
  node: SchemaNode;
  /** Among its parent's `required` keys with no default: it must be written when its parent is. */
  required: boolean;
}

/**
 * Every key a user can set, in schema order: scalars, lists, the keys inside lists of
 * objects, and objects that hold an operator's JSON Schema (`userSchema`) or named entries
 * (`namedEntries`), which are one key
 * whatever they hold.
 */
export function schemaLeaves(node: SchemaNode, keys: string[] = []): SchemaLeaf[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const at = [...keys, key];
    const leaf: SchemaLeaf = {
      keys: at,
      dotted: dotted(at),
      node: child,
      required: (node.required ?? []).includes(key) && child.default === undefined,
    };
    if (child.type === "object" && !child.userSchema && !child.namedEntries) {
      return schemaLeaves(child, at);
    }
    if (child.type === "array" && child.items?.type === "object") {
      return [leaf, ...schemaLeaves(child.items, [...at, "[]"])];
    }
    return [leaf];
  });
}

/** The node at a key path such as ["server", "port"]; list items are entered by any key. */
export function schemaNodeAt(root: SchemaNode, keys: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const key of keys) {
    if (node === undefined) return undefined;
    node = node.type === "array" ? node.items : ownProperty(node.properties, key);
  }
  return node;
}

/** Whether this node, or anything inside it, is marked `secret`. */
export function holdsSecret(node: SchemaNode): boolean {
  if (node.secret) return true;
  if (node.items !== undefined && holdsSecret(node.items)) return true;
  return Object.values(node.properties ?? {}).some(holdsSecret);
}

function dotted(keys: readonly string[]): string {
  return keys.join(".").replaceAll(".[]", "[]");
}

// hasOwn: a key named `constructor` or `__proto__` in a file is not a node of the schema.
function ownProperty(
  properties: Record<string, SchemaNode> | undefined,
  key: string,
): SchemaNode | undefined {
  return properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined;
}
