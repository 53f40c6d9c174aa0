import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { ConfigError } from "../../src/server/config/config-error.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function load(yaml: string, env: Record<string, string> = {}) {
  const cwd = await mkdtemp(path.join(tmpdir(), "postoffice-api-config-"));
  dirs.push(cwd);
  await writeFile(path.join(cwd, "postoffice.yaml"), yaml);
  return loadNodeConfig({ cwd, env, flags: {} });
}

async function refusal(yaml: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const error = await load(yaml, env).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

const key = (secret: string, name: string, extra = "") =>
  `    - { key: "${secret}", name: ${name}, scopes: [publish]${extra} }\n`;

describe("the api: configuration", () => {
  it("has no key by default: the API is off", async () => {
    expect((await load("")).config.api.keys).toEqual([]);
  });

  it("reads keys from POSTOFFICE_API_KEYS as JSON", async () => {
    const { config } = await load("", {
      POSTOFFICE_API_KEYS: '[{"key":"env-key-0123456789abc","name":"billing","scopes":["read"]}]',
    });
    expect(config.api.keys).toEqual([
      { key: "env-key-0123456789abc", name: "billing", scopes: ["read"], roles: [] },
    ]);
  });

  it("refuses a short key without printing it", async () => {
    const error = await refusal(`api:\n  keys:\n${key("short-secret", "billing")}`);
    expect(error.path).toBe("/api/keys/0/key");
    expect(error.message).not.toContain("short-secret");
  });

  it("refuses one secret given to two entries, without printing it", async () => {
    const secret = "the-same-secret-0123456789";
    const error = await refusal(`api:\n  keys:\n${key(secret, "a")}${key(secret, "b")}`);
    expect(error.path).toBe("/api/keys/1/key");
    expect(error.message).not.toContain(secret);
  });

  it("refuses a key without scopes, a bad service name and an unknown scope", async () => {
    expect(
      (await refusal(`api:\n  keys:\n    - { key: "k-0123456789abcdef", name: a, scopes: [] }\n`))
        .path,
    ).toBe("/api/keys/0/scopes");
    expect((await refusal(`api:\n  keys:\n${key("k-0123456789abcdef", '"bad name"')}`)).path).toBe(
      "/api/keys/0/name",
    );
    const scope = await refusal(
      `api:\n  keys:\n    - { key: "k-0123456789abcdef", name: a, scopes: [write] }\n`,
    );
    expect(scope.path).toBe("/api/keys/0/scopes/0");
  });

  it("refuses two keys of one service with different roles", async () => {
    const error = await refusal(
      `api:\n  keys:\n${key("k1-0123456789abcdef", "billing", ", roles: [admin]")}${key("k2-0123456789abcdef", "billing")}`,
    );
    expect(error.path).toBe("/api/keys/1/roles");
  });

  it("lets two keys stand for one service, for a rotation", async () => {
    const { config } = await load(
      `api:\n  keys:\n${key("old-key-0123456789ab", "billing")}${key("new-key-0123456789ab", "billing")}`,
    );
    expect(config.api.keys.map((entry) => entry.name)).toEqual(["billing", "billing"]);
  });
});
