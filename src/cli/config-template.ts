import { Document, isScalar, visit } from "yaml";
import type { Config } from "../server/config/config.js";
import { configSchemaNode, type SchemaNode } from "../server/config/schema.js";

/**
 * `postoffice genconfig`: a configuration file to start from, written from the schema so that
 * it cannot drift from it. Every section, every key with its description and its environment
 * variables, set to `values` (the defaults, or a preset's); sections and keys that have no
 * default (auth.jwt, auth.webhook, validation.message) are there commented out. Loading the
 * file back gives `values`, which a test checks.
 */
export function configTemplate(values: Config, header: readonly string[]): string {
  const lines = header.map((line) => `# ${line}`.trimEnd());
  lines.push(...properties(configSchemaNode, values, { depth: 0, off: undefined }));
  return `${lines.join("\n")}\n`;
}

const WIDTH = 100;

/**
 * Where a line goes: its depth, and the depth of the section that is commented out around it
 * (`off`), whose `#` sits at that section's indentation so that deleting `# ` from each of its
 * lines turns it on.
 */
interface Place {
  depth: number;
  off: number | undefined;
}

function properties(node: SchemaNode, values: unknown, place: Place): string[] {
  const lines: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    // Inside a part that is off, keys show their schema defaults, as turning it on gives them.
    const value = place.off === undefined ? valueAt(values, key) : child.default;
    if (place.depth === 0 || (child.type === "object" && lines.length > 0)) lines.push("");
    lines.push(...about(child, place));
    const off = place.off ?? (isUnset(value) ? place.depth : undefined);
    lines.push(...keyLines(key, child, value, { depth: place.depth, off }));
  }
  return lines;
}

/** The key's description and variables, as comments. */
function about(node: SchemaNode, place: Place): string[] {
  const prefix = `${indent(place)}# `;
  const width = WIDTH - prefix.length;
  const lines = wrap(node.description ?? "", width).map((line) => prefix + line);
  const env = node.env ?? [];
  if (env.length > 0)
    lines.push(`${prefix}Variable${env.length > 1 ? "s" : ""}: ${env.join(", ")}`);
  if (node.type === "array" && node.items?.type === "object") {
    lines.push(`${prefix}Each entry:`);
    for (const [field, item] of Object.entries(node.items.properties ?? {})) {
      wrap(`${field}: ${item.description ?? ""}`, width - 4).forEach((line, index) => {
        lines.push(`${prefix}${index === 0 ? "  " : "    "}${line}`);
      });
    }
  }
  return lines;
}

function keyLines(key: string, node: SchemaNode, value: unknown, place: Place): string[] {
  const at = indent(place);
  if (node.type === "object" && !node.userSchema) {
    return [`${at}${key}:`, ...properties(node, value, { ...place, depth: place.depth + 1 })];
  }
  if (value === undefined) return [`${at}${key}:`];
  const text = yamlText(value);
  if (!text.includes("\n")) return [`${at}${key}: ${text}`];
  const inner = indent({ ...place, depth: place.depth + 1 });
  return [`${at}${key}:`, ...text.split("\n").map((line) => `${inner}${line}`)];
}

/** A value as YAML: lists of scalars on one line (`["*"]`), lists of mappings as blocks. */
function yamlText(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

/** No value, or a section with nothing in it (`validation` without `message`): written off. */
function isUnset(value: unknown): boolean {
  if (value === undefined) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 0
  );
}

/** Two spaces a level, with `# ` at the indentation of the part that is off. */
function indent({ depth, off }: Place): string {
  if (off === undefined) return "  ".repeat(depth);
  return `${"  ".repeat(off)}# ${"  ".repeat(depth - off)}`;
}

function valueAt(values: unknown, key: string): unknown {
  if (typeof values !== "object" || values === null || !Object.hasOwn(values, key))
    return undefined;
  return (values as Record<string, unknown>)[key];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
