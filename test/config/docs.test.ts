import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { docType, renderConfigDocs } from "../../src/server/config/config-docs.js";
import { envVariables, loaderVariables } from "../../src/server/config/env.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { configSchemaNode, schemaLeaves } from "../../src/server/config/schema.js";
import { tempConfigDir } from "./temp-config-dir.js";

const docPath = fileURLToPath(new URL("../../docs/configuration.md", import.meta.url));
const doc = await readFile(docPath, "utf8");

interface KeyRow {
  key: string;
  typeCell: string;
  defaultCell: string;
  variableCell: string;
}

/** Rows of the key tables: | `key` | type | default | variable | description |. */
function keyRows(markdown: string): Map<string, KeyRow> {
  const rows = new Map<string, KeyRow>();
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const [, keyCell, typeCell, defaultCell, variableCell] = cells;
    const key = /^`([a-zA-Z.[\]]+)`$/.exec(keyCell ?? "")?.[1];
    // Five columns: other tables (presets, error fields) have fewer. `preset` has no dot.
    if (key === undefined || cells.length < 7) continue;
    rows.set(key, {
      key,
      typeCell: typeCell ?? "",
      defaultCell: defaultCell ?? "",
      variableCell: variableCell ?? "",
    });
  }
  return rows;
}

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/** The text under a `## ` heading, up to the next one. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no section "${heading}"`);
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

function shownDefault(value: unknown): string {
  if (value === undefined) return "—";
  // An empty string shows as `""`: a pair of backticks with nothing between reads as nothing.
  if (value === "") return '`""`';
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z0-9_]+)`/g)].flatMap((match) =>
    match[1] === undefined ? [] : [match[1]],
  );
}

describe("docs/configuration.md", () => {
  const rows = keyRows(doc);
  const leaves = schemaLeaves(configSchemaNode);

  it("has the key tables that npm run docs:config writes from the schema", () => {
    // If this fails, run `npm run docs:config` and commit docs/configuration.md.
    expect(renderConfigDocs(doc)).toBe(doc);
  });

  it("shows each key's type as the schema has it", () => {
    for (const { dotted, node } of leaves) {
      expect(rows.get(dotted)?.typeCell, dotted).toBe(docType(node));
    }
  });

  it("has a row for every key of the schema and none for keys it does not have", () => {
    expect([...rows.keys()].sort()).toEqual(leaves.map((leaf) => leaf.dotted).sort());
  });

  it("shows each key's default as the schema has it", () => {
    for (const { dotted, node } of leaves) {
      expect(rows.get(dotted)?.defaultCell, dotted).toBe(shownDefault(node.default));
    }
  });

  it("lists for each key exactly the variables that set it", () => {
    for (const { dotted } of leaves) {
      const variables = envVariables
        .filter((entry) => entry.path.join(".") === dotted)
        .map((entry) => entry.variable);
      expect(backticked(rows.get(dotted)?.variableCell ?? "").sort(), dotted).toEqual(
        variables.sort(),
      );
    }
  });

  it("mentions every environment variable, including those that choose files", () => {
    const all = [...envVariables.map((entry) => entry.variable), ...Object.values(loaderVariables)];
    const missing = all.filter((variable) => !doc.includes(`\`${variable}\``));
    expect(missing).toEqual([]);
  });

  it("names, under Errors, every key the schema marks secret", () => {
    const secrets = leaves.filter((leaf) => leaf.node.secret).map((leaf) => leaf.dotted);
    expect(secrets.length).toBeGreaterThan(0);
    for (const key of secrets) expect(section(doc, "Errors")).toContain(`\`${key}\``);
  });

  it("documents the flags of postoffice start", () => {
    for (const flag of ["--config", "--port", "--host"]) expect(doc).toContain(`\`${flag}`);
  });

  it("has example files that load", async () => {
    const [base, overlay] = yamlBlocks(section(doc, "A complete example"));
    if (base === undefined || overlay === undefined) throw new Error("expected two yaml examples");
    const cwd = await tempConfigDir({
      "postoffice.yaml": base,
      "postoffice.production.yaml": overlay,
    });
    const { config, files } = await loadNodeConfig({
      cwd,
      env: { POSTOFFICE_ENV: "production" },
      flags: {},
    });
    expect(files).toHaveLength(2);
    expect(config.server.dataDir).toBe("/var/lib/postoffice");
    expect(config.auth.jwt?.jwksUrl).toMatch(/^https:/);
    expect(config.validation.message).toMatchObject({ type: "object" });
    expect(config.rooms.settings.map((entry) => entry.match)).toContain("*");
    expect(config.permissions.rooms.at(-1)?.match).toBe("*");
  });

  it("has room and permission examples that load", async () => {
    for (const heading of ["`rooms`", "`permissions`"]) {
      const [example] = yamlBlocks(section(doc, "Keys").split(`### ${heading}\n`)[1] ?? "");
      if (example === undefined) throw new Error(`expected a yaml example under ${heading}`);
      const cwd = await tempConfigDir({ "postoffice.yaml": example });
      await expect(loadNodeConfig({ cwd, env: {}, flags: {} }), heading).resolves.toBeDefined();
    }
  });

  it("points to the permission model in docs/rules.md", () => {
    expect(section(doc, "Keys")).toContain("](rules.md)");
  });

  it("has a message schema example that loads", async () => {
    const [example] = yamlBlocks(section(doc, "Validation"));
    if (example === undefined) throw new Error("expected a yaml example under Validation");
    const cwd = await tempConfigDir({ "postoffice.yaml": example });
    const { config } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config.validation.message).toMatchObject({ type: "object" });
  });
});
