import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/server/config/config-error.js";
import { type LoadConfigOptions, loadConfig } from "../../src/server/config/load-config.js";
import { maskUrlSecrets, redactValue } from "../../src/server/config/redact.js";
import { tempConfigDir } from "./temp-config-dir.js";

async function errorOf(files: Record<string, string>, more: Partial<LoadConfigOptions> = {}) {
  const cwd = await tempConfigDir(files);
  const error = await loadConfig({ cwd, env: {}, flags: {}, ...more }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${error}`);
  return error;
}

const secret = "hunter2-hunter2-hunter2";

describe("secrets in configuration errors", () => {
  it("does not echo a POSTOFFICE_AUTH_TOKENS that is not JSON, only its length", async () => {
    const raw = `[{"token":"${secret}","user":}]`;
    const error = await errorOf({}, { env: { POSTOFFICE_AUTH_TOKENS: raw } });
    expect(error).toMatchObject({ path: "/auth/tokens", source: "POSTOFFICE_AUTH_TOKENS" });
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain(`got ${raw.length} characters that are not JSON`);
    expect(error.message).toContain("JSON");
  });

  it("masks the tokens of a POSTOFFICE_AUTH_TOKENS the schema refuses", async () => {
    const raw = JSON.stringify({ token: secret, user: "billing" });
    const error = await errorOf({}, { env: { POSTOFFICE_AUTH_TOKENS: raw } });
    expect(error.path).toBe("/auth/tokens");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain('"user":"billing"');
  });

  it("does not print a secret of the wrong type", async () => {
    const error = await errorOf({ "postoffice.yaml": "auth:\n  jwt:\n    secret: 1234567890\n" });
    expect(error.path).toBe("/auth/jwt/secret");
    expect(error.message).not.toContain("1234567890");
  });

  it("masks keys named like secrets inside a value it echoes", async () => {
    const error = await errorOf({
      "postoffice.yaml": `server:\n  port: { password: "${secret}", apiKey: "${secret}", note: visible }\n`,
    });
    expect(error.path).toBe("/server/port");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("visible");
  });

  it("masks the password of a URL it echoes", async () => {
    const error = await errorOf({
      "postoffice.yaml": `auth:\n  webhook:\n    url: "ftp://svc:${secret}@auth.example.com/check"\n`,
    });
    expect(error.path).toBe("/auth/webhook/url");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("ftp://svc:***@auth.example.com/check");
  });

  it("masks a secret on the line a YAML parse error shows, keeping the caret in place", async () => {
    const error = await errorOf({
      "postoffice.yaml": `auth:\n  jwt:\n    secret: ${secret}: oops\n`,
    });
    expect(error.source).toBe("postoffice.yaml:3");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("line 3");
    const lines = error.message.split("\n");
    const shown = lines.findIndex((line) => line.startsWith("    secret: "));
    expect(shown).toBeGreaterThan(0);
    // The caret still points below the column the parser named.
    const column = Number(/column (\d+)/.exec(error.message)?.[1]);
    expect(lines[shown + 1]?.indexOf("^")).toBe(column - 1);
  });

  it("masks a block of secret text above the line a YAML parse error shows", async () => {
    const error = await errorOf({
      "postoffice.yaml": `auth:\n  jwt:\n    secret: |\n      ${secret}\n     bad: [\n`,
    });
    expect(error.message).not.toContain("hunter2");
  });

  it("masks a token in a flow mapping, and shows the rest of the line", async () => {
    const error = await errorOf({
      "postoffice.yaml": `auth:\n  tokens:\n    - { token: ${secret}, user: alice\n  x: 1\n`,
    });
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("user: alice");
  });
});

describe("redactValue", () => {
  it("masks every secret of a whole configuration, for a printout of it", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": [
        "auth:",
        `  tokens: [{ token: ${secret}, user: billing }]`,
        `  jwt: { secret: ${secret}, issuer: https://issuer.example.com }`,
        `redis: { url: "redis://:${secret}@127.0.0.1:6379" }`,
        "mailbox: { store: redis }",
        "",
      ].join("\n"),
    });
    const { config } = await loadConfig({ cwd, env: {}, flags: {} });
    const shown = JSON.stringify(redactValue(config));
    expect(shown).not.toContain("hunter2");
    expect(redactValue(config)).toMatchObject({
      auth: {
        tokens: [{ token: "***", user: "billing" }],
        jwt: { secret: "***", issuer: "https://issuer.example.com" },
      },
      redis: { url: "redis://:***@127.0.0.1:6379" },
    });
  });

  it("masks by name the keys the schema does not know", () => {
    expect(
      redactValue({ db_password: "x", apiKey: "y", tokens: ["z"], user: "u" }, ["server"]),
    ).toEqual({
      db_password: "***",
      apiKey: "***",
      tokens: "***",
      user: "u",
    });
  });
});

describe("maskUrlSecrets", () => {
  it("masks URL passwords and secret-named query parameters, and nothing else", () => {
    expect(maskUrlSecrets("redis://user:pw@host:6379/0")).toBe("redis://user:***@host:6379/0");
    expect(maskUrlSecrets("https://h/check?tenant=a&api_key=k&token=t")).toBe(
      "https://h/check?tenant=a&api_key=***&token=***",
    );
    expect(maskUrlSecrets("https://auth.example.com/jwks.json")).toBe(
      "https://auth.example.com/jwks.json",
    );
  });
});
