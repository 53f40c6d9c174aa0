import { type EnvParse, parseFor } from "./env.js";
import { patternOf } from "./schema/patterns.js";
import type { SchemaNode } from "./schema/schema-node.js";
import { configSchemaNode, type SchemaLeaf, schemaLeaves } from "./schema.js";

/**
 * The key tables of docs/configuration.md, written from the schema so that the docs cannot
 * drift from it: every key with its type, default, variables and description. The prose
 * around them is the docs' own; a table goes between
 *
 *   <!-- config-table: auth.jwt -->
 *   <!-- /config-table -->
 *
 * and lists the keys under that path, except those under a longer path that has its own
 * table. `npm run docs:config` rewrites the file; a test fails when it would change it.
 */
export function renderConfigDocs(markdown: string): string {
  const paths = [...markdown.matchAll(openMarker)].map((match) => match[1] ?? "");
  const leaves = schemaLeaves(configSchemaNode);
  const uncovered = leaves.filter((leaf) => tableOf(leaf, paths) === undefined);
  if (uncovered.length > 0) {
    const keys = uncovered.map((leaf) => leaf.dotted).join(", ");
    throw new Error(`docs: no config-table marker covers ${keys}`);
  }
  return markdown.replace(tableBlock, (_, path: string) => {
    const rows = leaves.filter((leaf) => tableOf(leaf, paths) === path);
    if (rows.length === 0) throw new Error(`docs: config-table ${path} names no key`);
    return `<!-- config-table: ${path} -->\n\n${table(rows)}\n\n<!-- /config-table -->`;
  });
}

const openMarker = /<!-- config-table: ([\w.[\]]+) -->/g;
const tableBlock = /<!-- config-table: ([\w.[\]]+) -->[\s\S]*?<!-- \/config-table -->/g;

/** The longest marker path that is the key or one of its parents. */
function tableOf(leaf: SchemaLeaf, paths: readonly string[]): string | undefined {
  const under = (path: string) =>
    leaf.dotted === path ||
    leaf.dotted.startsWith(`${path}.`) ||
    leaf.dotted.startsWith(`${path}[]`);
  return paths.filter(under).sort((a, b) => b.length - a.length)[0];
}

function table(leaves: readonly SchemaLeaf[]): string {
  const header = ["Key", "Type", "Default", "Variable", "Description"];
  const rows = leaves.map((leaf) => [
    `\`${leaf.dotted}\``,
    docType(leaf.node),
    shownDefault(leaf.node.default),
    variables(leaf.node),
    description(leaf),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => width(row[i]))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function width(cell: string | undefined): number {
  return cell?.length ?? 0;
}

/** A key's type in words: "integer 0–65535", "list of non-empty strings", "`full` or `normal`". */
export function docType(node: SchemaNode): string {
  switch (node.type) {
    case "array":
      if (node.items === undefined) return "list";
      return node.items.type === "object" ? "list of mappings" : `list of ${plural(node.items)}`;
    case "object":
      if (node.namedEntries) return "mapping of names";
      return node.userSchema ? "JSON Schema" : "mapping";
    default:
      return singular(node);
  }
}

function singular(node: SchemaNode): string {
  if (node.enum !== undefined) return choices(node.enum);
  switch (node.type) {
    case "integer":
      return `integer${range(node)}`;
    case "string":
      if (node.pattern !== undefined) return patternOf(node.pattern)?.docType.one ?? "string";
      if (node.minLength === 1) return "non-empty string";
      return node.minLength === undefined ? "string" : `string, ≥ ${node.minLength} characters`;
    case "boolean":
      return "boolean";
    default:
      return docType(node);
  }
}

function plural(node: SchemaNode): string {
  if (node.enum !== undefined) return choices(node.enum);
  switch (node.type) {
    case "integer":
      return `integers${range(node)}`;
    case "string":
      if (node.pattern !== undefined) return patternOf(node.pattern)?.docType.many ?? "strings";
      if (node.minLength === 1) return "non-empty strings";
      return node.minLength === undefined ? "strings" : `strings, ≥ ${node.minLength} characters`;
    case "boolean":
      return "booleans";
    default:
      return docType(node);
  }
}

function range({ minimum, maximum }: SchemaNode): string {
  if (minimum !== undefined && maximum !== undefined) return ` ${minimum}–${maximum}`;
  if (minimum !== undefined) return ` ≥ ${minimum}`;
  if (maximum !== undefined) return ` ≤ ${maximum}`;
  return "";
}

function choices(values: readonly string[]): string {
  const quoted = values.map((value) => `\`${value}\``);
  const last = quoted.pop();
  return quoted.length === 0 ? (last ?? "") : `${quoted.join(", ")} or ${last}`;
}

/** As the tables show a default: `—` for none, `""` for the empty string, JSON otherwise. */
export function shownDefault(value: unknown): string {
  if (value === undefined) return "—";
  // An empty string shows as `""`: a pair of backticks with nothing between reads as nothing.
  if (value === "") return '`""`';
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

function variables(node: SchemaNode): string {
  const names = node.env ?? [];
  if (names.length === 0) return "—";
  const fromFile = node.envFile ? ", also from `.env`" : "";
  return `${names.map((name) => `\`${name}\``).join(", ")}${syntaxHint(parseFor(node))}${fromFile}`;
}

/** How a variable's text is read, where it is more than the text itself. */
function syntaxHint(parse: EnvParse): string {
  switch (parse) {
    case "list":
      return " (comma-separated)";
    case "json":
      return " (JSON)";
    case "string":
    case "integer":
    case "boolean":
      return "";
  }
}

function description(leaf: SchemaLeaf): string {
  const text = `${leaf.node.description ?? ""}${leaf.required ? " Required." : ""}`;
  return text.replaceAll("|", "\\|");
}
