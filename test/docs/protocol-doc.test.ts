import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES, ERROR_CODES, PROTOCOL_VERSION } from "../../src/protocol/index.js";
import { connectAs, signToken } from "../support/test-client.js";
import { startTestServer } from "../support/test-server.js";
import { readDoc, root, section, sectionAt, tableKeys } from "./markdown.js";

// The wire reference, and the delivery semantics split from it; rule ids are explained in
// both, and listed in protocol.md's rule index.
const doc = await readDoc("docs/protocol.md");
const delivery = await readDoc("docs/delivery.md");
const ruleIndex = section(doc, "## Rule index");

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

/** The rows of the rule index: the rule id, and the paths under src/ of its last cell. */
function ruleRows(): Array<{ id: string; link: string; paths: string[] }> {
  return ruleIndex.split("\n").flatMap((line) => {
    const [, id, link] = /^\|\s*\[\[([A-Z]+-[0-9]+)\]\]\(([^)]+)\)/.exec(line) ?? [];
    if (id === undefined || link === undefined) return [];
    const last = line.split("|").at(-2) ?? "";
    return [{ id, link, paths: [...last.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1] ?? []) }];
  });
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

  it("has a row in the rule index for every rule id that a comment in src uses", async () => {
    const ids = await ruleIdsInSource();
    const rows = ruleRows().map((row) => row.id);
    const missing = [...ids]
      .filter(([id]) => !rows.includes(id))
      .map(([id, files]) => `[${id}] (${files.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("names no rule id, here or in docs/delivery.md, that the source does not use", async () => {
    const ids = await ruleIdsInSource();
    const named = new Set(
      [...`${doc}\n${delivery}`.matchAll(/\[([A-Z]+-[0-9]+)\]/g)].flatMap((m) => m[1] ?? []),
    );
    expect([...named].filter((id) => !ids.has(id))).toEqual([]);
  });

  it("names in the rule index only files that exist, each carrying its rule id", async () => {
    const rows = ruleRows();
    expect(rows.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const { id, paths } of rows) {
      expect(paths.length, id).toBeGreaterThan(0);
      for (const path of paths) {
        const file = join(root, "src", path);
        if (!existsSync(file)) wrong.push(`${id}: ${path} does not exist`);
        else if (!(await readFile(file, "utf8")).includes(`[${id}]`))
          wrong.push(`${id}: ${path} does not mention it`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("links each rule id of the index to a section of the docs that names it", async () => {
    const unexplained: string[] = [];
    for (const { id, link } of ruleRows()) {
      const [file = "", anchor = ""] = link.split("#");
      const page = file === "" ? doc : await readDoc(`docs/${file}`);
      if (!sectionAt(page, anchor)?.includes(`[${id}]`)) unexplained.push(`${id} → ${link}`);
    }
    expect(unexplained).toEqual([]);
  });

  it("has a row in the welcome table for every field of a real welcome", async () => {
    const server = await startTestServer();
    try {
      const client = await connectAs(server.url, await signToken({ sub: "alice" }));
      const welcome = client.frames.find((frame) => frame.type === "welcome");
      await client.close();
      const rows = tableKeys(section(doc, "### `welcome`"));
      const fields = Object.keys(welcome?.data ?? {}).map((key) => `data.${key}`);
      expect(fields.length).toBeGreaterThan(5);
      expect(fields.filter((field) => !rows.includes(field))).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("names the protocol version the server speaks", () => {
    expect(doc).toContain(`\`${PROTOCOL_VERSION}\``);
  });

  it("has JSON examples that parse, in protocol.md and delivery.md", () => {
    const blocks = [...`${doc}\n${delivery}`.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (match) => match[1] ?? "",
    );
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(() => JSON.parse(block), block).not.toThrow();
  });
});
