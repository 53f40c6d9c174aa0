import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES, ERROR_CODES, PROTOCOL_VERSION } from "../../src/protocol/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = await readFile(join(root, "docs/protocol.md"), "utf8");

/**
 * The members of the AuthFailureReason union, read from the source text: a type does not
 * exist at run time.
 */
async function authFailureReasons(): Promise<string[]> {
  const source = await readFile(join(root, "src/server/auth/authenticator.ts"), "utf8");
  const union = /export type AuthFailureReason\s*=([^;]*);/.exec(source)?.[1];
  if (union === undefined) throw new Error("no `export type AuthFailureReason = ...;` found");
  const members = [...union.matchAll(/"([^"]+)"/g)].flatMap((match) => match[1] ?? []);
  if (members.length === 0) throw new Error("AuthFailureReason has no string members");
  return members;
}

/** Rule ids such as [DELIVERY-1] in the comments of src/**\/*.ts, each with the files using it. */
async function ruleIdsInSource(): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  const files = (await readdir(join(root, "src"), { recursive: true })).filter((file) =>
    file.endsWith(".ts"),
  );
  for (const file of files.sort()) {
    const source = await readFile(join(root, "src", file), "utf8");
    const comments = source.match(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g) ?? [];
    for (const comment of comments) {
      for (const [, id] of comment.matchAll(/\[([A-Z]+-[0-9]+)\]/g)) {
        if (id === undefined) continue;
        const users = ids.get(id) ?? [];
        if (!users.includes(file)) users.push(file);
        ids.set(id, users);
      }
    }
  }
  return ids;
}

/** The lines under a heading, up to the next heading of any level; empty if there is none. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) return "";
  const end = lines.findIndex((line, index) => index > start && /^#{1,6} /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The backticked first cells of a section's table rows: what the table documents. */
function tableKeys(markdown: string): string[] {
  return markdown.split("\n").flatMap((line) => /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1] ?? []);
}

describe("docs/protocol.md", () => {
  const errorRows = tableKeys(section(doc, "## Error codes"));
  const reasonRows = tableKeys(section(doc, "### Authentication failure reasons"));
  const closeRows = tableKeys(section(doc, "## Close codes"));

  it("has a row in the error code table for every code of ERROR_CODES", () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !errorRows.includes(code));
    expect(missing).toEqual([]);
  });

  it("lists no error code that ERROR_CODES does not have", () => {
    const unknown = errorRows.filter((code) => !Object.hasOwn(ERROR_CODES, code));
    expect(unknown).toEqual([]);
  });

  it("has a row in the close code table for every value of CLOSE_CODES", () => {
    const missing = Object.values(CLOSE_CODES)
      .map(String)
      .filter((code) => !closeRows.includes(code));
    expect(missing).toEqual([]);
  });

  it("has a row for every AuthFailureReason (auth_timeout included) in the reasons table", async () => {
    const reasons = await authFailureReasons();
    const missing = reasons.filter((reason) => !reasonRows.includes(reason));
    expect(missing).toEqual([]);
  });

  it("lists no auth reason that the server does not send", async () => {
    const reasons = await authFailureReasons();
    const unknown = reasonRows.filter((reason) => !reasons.includes(reason));
    expect(unknown).toEqual([]);
  });

  it("anchors every rule id that a comment in src uses", async () => {
    const ids = await ruleIdsInSource();
    const missing = [...ids]
      .filter(([id]) => !doc.includes(`[${id}]`))
      .map(([id, files]) => `[${id}] (${files.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("names no rule id that the source does not use", async () => {
    const ids = await ruleIdsInSource();
    const named = new Set([...doc.matchAll(/\[([A-Z]+-[0-9]+)\]/g)].flatMap((m) => m[1] ?? []));
    expect([...named].filter((id) => !ids.has(id))).toEqual([]);
  });

  it("names the protocol version the server speaks", () => {
    expect(doc).toContain(`\`${PROTOCOL_VERSION}\``);
  });

  it("has JSON examples that parse", () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(() => JSON.parse(block), block).not.toThrow();
  });
});
