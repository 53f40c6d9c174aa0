import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configTemplate } from "../../src/cli/config-template.js";
import { defaultConfig } from "../../src/server/config/defaults.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { configSchemaNode, schemaLeaves } from "../../src/server/config/schema.js";
import { runCommand } from "./run-command.js";

describe("postoffice genconfig", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-genconfig-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const load = (env: Record<string, string> = {}, config?: string) =>
    loadConfig({ cwd: dir, env, flags: { config } });

  it("writes a file that loads back as the defaults", async () => {
    const { code, stdout } = await runCommand(["genconfig"], { cwd: dir });
    expect(code).toBe(0);
    await writeFile(join(dir, "postoffice.yaml"), stdout);
    const generated = await load();
    await rm(join(dir, "postoffice.yaml"));
    expect(generated.config).toEqual((await load()).config);
    // Every key is written, so the file is what set it.
    expect(generated.sources.describe("/limits/rate/message/burst")).toMatch(
      /^postoffice\.yaml:\d+$/,
    );
  });

  it("--preset chat writes the chat preset's values, which load back as that preset", async () => {
    const { stdout } = await runCommand(["genconfig", "--preset", "chat"], { cwd: dir });
    expect(stdout).toMatch(/^preset: chat$/m);
    const file = join(dir, "chat.yaml");
    await writeFile(file, stdout);
    expect((await load({}, file)).config).toEqual(
      (await load({ POSTOFFICE_PRESET: "chat" })).config,
    );
  });

  it("shows every key with its description and variables; keys without a default commented out", () => {
    const text = configTemplate(defaultConfig, []);
    for (const leaf of schemaLeaves(configSchemaNode)) {
      const key = leaf.keys.at(-1) ?? "";
      if (key === "[]" || leaf.keys.includes("[]")) continue;
      expect(text, leaf.dotted).toMatch(new RegExp(`^\\s*(# )?\\s*${key}:`, "m"));
      for (const variable of leaf.node.env ?? []) expect(text, leaf.dotted).toContain(variable);
      const words = (leaf.node.description ?? "").split(/\s+/).slice(0, 4).join(" ");
      expect(text.replace(/\n\s*#\s*/g, " "), leaf.dotted).toContain(words);
    }
    expect(text).toMatch(/^ {2}# jwt:$/m);
    expect(text).toMatch(/^ {2}# {3}userClaim: sub$/m);
    expect(text).toMatch(/^# validation:$/m);
  });

  it("a commented-out section turns on by deleting its `# `", async () => {
    const text = configTemplate(defaultConfig, []);
    const on = text
      .replace(/^ {2}# jwt:$/m, "  jwt:")
      .replace(/^ {2}# {3}secret:$/m, "    secret: a-secret-long-enough-for-hs256")
      .replace(/^ {2}# {3}userClaim: sub$/m, "    userClaim: sub");
    const file = join(dir, "on.yaml");
    await writeFile(file, on);
    expect((await load({}, file)).config.auth.jwt).toEqual({
      secret: "a-secret-long-enough-for-hs256",
      userClaim: "sub",
      rolesClaim: "roles",
      clockToleranceSec: 5,
    });
  });

  it("--out writes the file, refuses to replace one (exit 73) unless --force", async () => {
    const file = join(dir, "postoffice.yaml");
    const first = await runCommand(["genconfig", "--out", file], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("");
    expect(first.stderr).toBe(`postoffice: wrote ${file}\n`);
    await writeFile(file, "server:\n  port: 9000\n");
    const refused = await runCommand(["genconfig", "--out", file], { cwd: dir });
    expect(refused.code).toBe(73);
    expect(refused.stderr).toBe(`postoffice: ${file} exists: give --force to replace it\n`);
    expect(await readFile(file, "utf8")).toBe("server:\n  port: 9000\n");
    const forced = await runCommand(["genconfig", "--out", file, "--force"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(await readFile(file, "utf8")).toMatch(/^# Postoffice configuration/);
  });
});
