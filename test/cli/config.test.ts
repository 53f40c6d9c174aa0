import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCommand } from "./run-command.js";

const FILE = [
  "server:",
  "  port: 9000",
  "  path: /socket",
  "auth:",
  "  tokens:",
  "    - { token: static-token-secret, user: billing, roles: [service] }",
  "redis:",
  "  url: redis://:redis-password@127.0.0.1:6379",
  "mailbox:",
  "  store: redis",
  "",
].join("\n");

describe("postoffice config", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-config-"));
    await writeFile(join(dir, "postoffice.yaml"), FILE);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const env = {
    PORT: "9100",
    POSTOFFICE_PRESET: "chat",
    POSTOFFICE_JWT_SECRET: "jwt-secret-from-the-environment",
  };

  it("prints the effective configuration as YAML, each value with who set it, secrets masked", async () => {
    const { code, stdout } = await runCommand(["config", "--host", "127.0.0.2"], { cwd: dir, env });
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const line = (key: string) => lines.find((text) => text.trimStart().startsWith(`${key}:`));
    expect(line("host")).toBe("  host: 127.0.0.2 # --host");
    expect(line("port")).toBe("  port: 9100 # PORT");
    expect(line("path")).toBe("  path: /socket # postoffice.yaml:3");
    expect(line("heartbeat")).toBe("  heartbeat:");
    expect(line("intervalMs")).toBe("    intervalMs: 25000 # default");
    expect(line("maxFrameBytes")).toBe("  maxFrameBytes: 512 # the chat preset");
    expect(line("secret")).toBe('    secret: "***" # POSTOFFICE_JWT_SECRET');
    expect(line("url")).toBe("  url: redis://:***@127.0.0.1:6379 # postoffice.yaml:8");
    expect(stdout).toContain('- token: "***" # postoffice.yaml:6');
    expect(stdout).toContain("# Files read: postoffice.yaml");
    for (const secret of [
      "static-token-secret",
      "redis-password",
      "jwt-secret-from-the-environment",
    ])
      expect(stdout).not.toContain(secret);
    // Still YAML: the values (masked) read back as the configuration.
    const value = parse(stdout) as { server: { port: number }; auth: { tokens: unknown[] } };
    expect(value.server.port).toBe(9100);
    expect(value.auth.tokens).toEqual([{ token: "***", user: "billing", roles: ["service"] }]);
  });

  it("--json gives the configuration and the source of every value by JSON pointer", async () => {
    const { code, stdout } = await runCommand(["config", "--json"], { cwd: dir, env });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as {
      files: string[];
      config: { server: { port: number }; auth: { jwt: { secret: string } } };
      sources: Record<string, string>;
    };
    expect(printed.files).toEqual([join(dir, "postoffice.yaml")]);
    expect(printed.config.server.port).toBe(9100);
    expect(printed.config.auth.jwt.secret).toBe("***");
    expect(printed.sources).toMatchObject({
      "/server/port": "PORT",
      "/server/path": "postoffice.yaml:3",
      "/server/host": "the chat preset",
      "/server/heartbeat/intervalMs": "default",
      "/auth/tokens/0/user": "postoffice.yaml:6",
      "/auth/jwt/secret": "POSTOFFICE_JWT_SECRET",
    });
    expect(stdout).not.toContain("jwt-secret-from-the-environment");
  });

  it("says where the development secret is when no authentication is configured", async () => {
    await rm(join(dir, "postoffice.yaml"));
    const { code, stdout } = await runCommand(["config"], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain("# Files read: none (defaults)");
    expect(stdout).toContain(`development secret in ${join(dir, "data", "jwt-secret")}`);
  });

  it("exits 78 with start's message on a configuration start would refuse", async () => {
    await writeFile(join(dir, "postoffice.yaml"), "server:\n  port: eighty\n");
    const { code, stdout, stderr } = await runCommand(["config"], { cwd: dir });
    expect(code).toBe(78);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/\/server\/port: expected integer/);
  });
});
