import { join } from "node:path";
import { type Document, isMap, isScalar, isSeq, type Node, parseDocument, stringify } from "yaml";
import { DEV_SECRET_FILE } from "../server/auth/dev-secret.js";
import { usesDevSecret } from "../server/compose/authenticator.js";
import { displayPath } from "../server/config/config-file.js";
import { toPointer } from "../server/config/json-pointer.js";
import type { LoadedConfig } from "../server/config/load-config.js";
import { redactValue } from "../server/config/redact.js";
import { configNodeAt, configSchemaNode, type SchemaNode } from "../server/config/schema.js";

/**
 * `postoffice config`: the configuration a node started here would run with, each value with
 * who set it, every secret masked. A value is one line of the printout: a scalar, a list of
 * scalars, an operator's JSON Schema (`validation.message`), or an empty list or mapping;
 * mappings and lists of mappings are walked into.
 */

/** As YAML, each value followed by `# <source>`: file:line, variable, flag, preset or default. */
export function effectiveConfigYaml({ config, files, sources }: LoadedConfig, cwd: string): string {
  const source = (keys: readonly string[]) => sources.describe(toPointer(keys)) ?? "default";
  // Parsed back from text so that every key is a node that can carry a comment.
  const doc = parseDocument(stringify(inSchemaOrder(redactValue(config), configSchemaNode)));
  annotate(doc, doc.contents, [], source);
  const read =
    files.length === 0 ? "none (defaults)" : files.map((file) => displayPath(file, cwd)).join(", ");
  const header = [
    " The configuration `postoffice start` would run with here: defaults, the preset, files,",
    " environment variables and flags, merged. After each value, who set it. Secrets show as ***.",
    ` Files read: ${read}`,
  ];
  if (usesDevSecret(config.auth)) {
    const secret = join(config.server.dataDir, DEV_SECRET_FILE);
    header.push(
      ` No authentication configured: HS256 JWTs signed with the development secret in ${secret}.`,
    );
  }
  doc.commentBefore = header.join("\n");
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** As JSON: the masked configuration, and the source of every value by JSON pointer. */
export function effectiveConfigJson({ config, files, sources }: LoadedConfig): object {
  const masked = inSchemaOrder(redactValue(config), configSchemaNode);
  const bySource: Record<string, string> = {};
  for (const keys of valuePaths(masked, [])) {
    const pointer = toPointer(keys);
    bySource[pointer] = sources.describe(pointer) ?? "default";
  }
  return { files, config: masked, sources: bySource };
}

/** The keys of every mapping in the order the schema (and the docs) list them. */
function inSchemaOrder(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => inSchemaOrder(item, node?.items));
  if (typeof value !== "object" || value === null || node?.userSchema) return value;
  const known = Object.keys(node?.properties ?? {});
  const keys = [...known.filter((key) => Object.hasOwn(value, key))];
  keys.push(...Object.keys(value).filter((key) => !known.includes(key)));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const child = (value as Record<string, unknown>)[key];
    Object.defineProperty(out, key, {
      value: inSchemaOrder(child, node?.properties?.[key]),
      enumerable: true,
    });
  }
  return out;
}

/** Whether the value at `keys` is printed whole, on one line, rather than walked into. */
function isValue(value: unknown, keys: readonly string[]): boolean {
  if (Array.isArray(value)) return value.every((item) => typeof item !== "object" || item === null);
  if (typeof value !== "object" || value === null) return true;
  return Object.keys(value).length === 0 || configNodeAt(keys)?.userSchema === true;
}

function valuePaths(value: unknown, keys: string[]): string[][] {
  if (isValue(value, keys) && keys.length > 0) return [keys];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([key, child]) => valuePaths(child, [...keys, key]));
}

function annotate(
  doc: Document,
  node: unknown,
  keys: string[],
  source: (keys: readonly string[]) => string,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = [...keys, key];
      if (isMap(pair.value) && configNodeAt(at)?.userSchema && pair.value.items.length > 0) {
        // A JSON Schema is one value of ours, however many lines: its source goes on its key.
        const keyNode = isScalar(pair.key) ? pair.key : doc.createNode(key);
        keyNode.comment = ` ${source(at)}`;
        pair.key = keyNode;
        continue;
      }
      annotate(doc, pair.value, at, source);
    }
    if (node.items.length === 0) mark(node, keys, source);
    return;
  }
  if (isSeq(node)) {
    if (node.items.every((item) => isScalar(item))) {
      mark(node, keys, source);
      return;
    }
    node.items.forEach((item, index) => {
      annotate(doc, item, [...keys, String(index)], source);
    });
    return;
  }
  if (isScalar(node)) mark(node, keys, source);
}

function mark(
  node: Node,
  keys: readonly string[],
  source: (keys: readonly string[]) => string,
): void {
  if (isMap(node) || isSeq(node)) node.flow = true;
  node.comment = ` ${source(keys)}`;
}
