import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { ConfigError } from "../../src/server/config/config-error.js";
import { ConfigLayers } from "../../src/server/config/config-layers.js";
import { applyEnvironment, type EnvVariable } from "../../src/server/config/env.js";
import { readEnvFile } from "../../src/server/config/env-file.js";
import type { LoadConfigOptions } from "../../src/server/config/load-config.js";
import { tempConfigDir } from "./temp-config-dir.js";

async function loadYaml(yaml: string, more: Partial<LoadConfigOptions> = {}) {
  const cwd = await tempConfigDir({ "postoffice.yaml": yaml });
  return loadNodeConfig({ cwd, env: {}, flags: {}, ...more });
}

async function errorOf(loading: Promise<unknown>): Promise<ConfigError> {
  const error = await loading.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${error}`);
  return error;
}

const wildcard = 'tokens:\n    - { token: valid-token, user: "*" }';

describe("dialects and endpoints in the configuration", () => {
  it("sets the dialect of server.path from the file, POSTOFFICE_DIALECT and --dialect, the flag last", async () => {
    const file = "server:\n  dialect: broadcast\n";
    expect((await loadYaml(file)).config.server.dialect).toBe("broadcast");
    const env = { POSTOFFICE_DIALECT: "messagetransfer" };
    expect((await loadYaml(file, { env })).config.server.dialect).toBe("messagetransfer");
    const flags = { dialect: "native" };
    expect((await loadYaml(file, { env, flags })).config.server.dialect).toBe("native");
    expect((await loadYaml("")).config.server.dialect).toBe("native");
  });

  it("refuses a dialect it does not speak, naming those it does", async () => {
    const error = await errorOf(loadYaml("", { flags: { dialect: "klingon" } }));
    expect(error.path).toBe("/server/dialect");
    expect(error.message).toContain(`expected one of "native", "broadcast", "messagetransfer"`);
    expect(error.source).toBe("--dialect");
  });

  it("takes a static token for * where the dialect claims ids", async () => {
    const { config } = await loadYaml(
      `server:\n  dialect: messagetransfer\nauth:\n  ${wildcard}\n`,
    );
    expect(config.auth.tokens[0]?.user).toBe("*");
  });

  it("refuses a static token for * on an endpoint whose clients claim no id", async () => {
    const onNative = await errorOf(loadYaml(`auth:\n  ${wildcard}\n`));
    expect(onNative.path).toBe("/auth/tokens/0/user");
    expect(onNative.message).toContain("/ws speaks native, whose clients claim none");
    const shared = await errorOf(
      loadYaml(
        `server:\n  dialect: messagetransfer\nauth:\n  ${wildcard}\nendpoints:\n  - { path: /native, dialect: native }\n`,
      ),
    );
    expect(shared.path).toBe("/auth/tokens/0/user");
    expect(shared.message).toContain("give that endpoint its own endpoints[].auth");
    const own = await errorOf(
      loadYaml(
        `endpoints:\n  - path: /other\n    dialect: native\n    auth:\n      ${wildcard.replace("\n", "\n    ")}\n`,
      ),
    );
    expect(own.path).toBe("/endpoints/0/auth/tokens/0/user");
  });

  it("serves each path once, server.path included, and one catch-all at most", async () => {
    const same = await errorOf(loadYaml("endpoints:\n  - { path: /ws, dialect: native }\n"));
    expect(same.path).toBe("/endpoints/0/path");
    expect(same.message).toContain("/ws is already served by server.path");
    const twice = await errorOf(
      loadYaml(
        "endpoints:\n  - { path: '*', dialect: native }\n  - { path: '*', dialect: messagetransfer }\n",
      ),
    );
    expect(twice.path).toBe("/endpoints/1/path");
    const notAPath = await errorOf(loadYaml("endpoints:\n  - { path: mt, dialect: native }\n"));
    expect(notAPath.path).toBe("/endpoints/0/path");
  });

  it("checks an endpoint's JWT settings as auth.jwt's", async () => {
    const error = await errorOf(
      loadYaml(
        "endpoints:\n  - path: /mt\n    dialect: messagetransfer\n    auth:\n      jwt: { secret: s3cr3t-s3cr3t, algorithms: [RS256] }\n",
      ),
    );
    expect(error.path).toBe("/endpoints/0/auth/jwt/algorithms");
  });

  it("keeps chat mode on the broadcast dialect", async () => {
    const error = await errorOf(
      loadYaml("preset: chat\nserver:\n  dialect: messagetransfer\n", {
        env: { POSTOFFICE_HOST: "127.0.0.1" },
      }),
    );
    expect(error.path).toBe("/server/dialect");
  });
});

describe("variables from .env", () => {
  const variable: EnvVariable = {
    variable: "SEED_PATH",
    path: ["server", "path"],
    parse: "string",
    envFile: true,
  };

  it("reads a marked key's variable from .env when the environment lacks it, the environment first", () => {
    const fromFile = new ConfigLayers("/");
    applyEnvironment(fromFile, {}, { SEED_PATH: "/from-file" }, [variable]);
    expect(fromFile.value).toEqual({ server: { path: "/from-file" } });
    expect(fromFile.describe("/server/path")).toBe("SEED_PATH (.env)");
    const fromEnv = new ConfigLayers("/");
    applyEnvironment(fromEnv, { SEED_PATH: "/from-env" }, { SEED_PATH: "/from-file" }, [variable]);
    expect(fromEnv.value).toEqual({ server: { path: "/from-env" } });
  });

  it("never reads .env for a key that is not marked", () => {
    const layers = new ConfigLayers("/");
    applyEnvironment(layers, {}, { SEED_PATH: "/from-file" }, [{ ...variable, envFile: false }]);
    expect(layers.value).toEqual({});
  });

  it("parses a seed's .env as dotenv does, and finds none where there is none", async () => {
    const cwd = await tempConfigDir({});
    expect(await readEnvFile(cwd)).toEqual({});
    await writeFile(
      join(cwd, ".env"),
      '# the seed\nAUTHHEADER="Bearer abc"\nexport GODISPATCH_SERVER_AUTH_JWTSECRET=a-very-secret-key-from-env-file\n',
    );
    expect(await readEnvFile(cwd)).toEqual({
      AUTHHEADER: "Bearer abc",
      GODISPATCH_SERVER_AUTH_JWTSECRET: "a-very-secret-key-from-env-file",
    });
  });
});
