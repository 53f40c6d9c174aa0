import path from "node:path";
import { describe, expect, it } from "vitest";
import { envVariables, parseEnvValue } from "../../src/server/config/env.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { tempConfigDir } from "./temp-config-dir.js";

interface Sample {
  value: string;
  expected: unknown;
  /** Other variables the sample needs to pass the checks that span keys. */
  with?: Record<string, string>;
}

const publicKey = "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----";
const withSecret = { POSTOFFICE_JWT_SECRET: "a-long-enough-secret" };

/** One sample per variable: a variable added to the table without one fails the test below. */
const samples: Record<string, Sample> = {
  PORT: { value: "3000", expected: 3000 },
  POSTOFFICE_PORT: { value: "3001", expected: 3001 },
  POSTOFFICE_HOST: { value: "127.0.0.1", expected: "127.0.0.1" },
  POSTOFFICE_PATH: { value: "/socket", expected: "/socket" },
  POSTOFFICE_DIALECT: { value: "messagetransfer", expected: "messagetransfer" },
  POSTOFFICE_DATA_DIR: { value: "/var/lib/postoffice", expected: "/var/lib/postoffice" },
  POSTOFFICE_HEARTBEAT_INTERVAL_MS: { value: "30000", expected: 30000 },
  POSTOFFICE_DRAIN_TIMEOUT_MS: { value: "2000", expected: 2000 },
  POSTOFFICE_RECONNECT_WINDOW_MS: { value: "60000", expected: 60000 },
  POSTOFFICE_AUTH_TIMEOUT_MS: { value: "500", expected: 500 },
  POSTOFFICE_AUTH_TOKENS: {
    value: '[{"token":"service-token","user":"billing","roles":["service"]}]',
    expected: [{ token: "service-token", user: "billing", roles: ["service"] }],
  },
  POSTOFFICE_JWT_SECRET: { value: "a-long-enough-secret", expected: "a-long-enough-secret" },
  AUTHHEADER: { value: "Bearer abc", expected: "Bearer abc" },
  POSTOFFICE_JWT_PUBLIC_KEY: { value: publicKey, expected: publicKey },
  POSTOFFICE_JWT_PUBLIC_KEY_FILE: {
    value: "/etc/postoffice/jwt.pem",
    expected: "/etc/postoffice/jwt.pem",
  },
  POSTOFFICE_JWKS_URL: {
    value: "https://auth.example.com/.well-known/jwks.json",
    expected: "https://auth.example.com/.well-known/jwks.json",
  },
  POSTOFFICE_JWT_ALGORITHMS: {
    value: "HS256, HS512",
    expected: ["HS256", "HS512"],
    with: withSecret,
  },
  POSTOFFICE_JWT_ISSUER: {
    value: "https://auth.example.com",
    expected: "https://auth.example.com",
    with: withSecret,
  },
  POSTOFFICE_JWT_AUDIENCE: { value: "postoffice", expected: "postoffice", with: withSecret },
  POSTOFFICE_AUTH_WEBHOOK_URL: {
    value: "http://auth.internal/check",
    expected: "http://auth.internal/check",
  },
  POSTOFFICE_ANONYMOUS: { value: "true", expected: true, with: { POSTOFFICE_HOST: "127.0.0.1" } },
  POSTOFFICE_ANONYMOUS_ALLOW_NON_LOOPBACK: { value: "yes", expected: true },
  POSTOFFICE_GOPOSTOFFICE_ONE_CONNECTION: { value: "off", expected: false },
  POSTOFFICE_MAILBOX_MAX_MESSAGES: { value: "50", expected: 50 },
  POSTOFFICE_MAILBOX_STORE: { value: "memory", expected: "memory" },
  POSTOFFICE_PRESET: { value: "chat", expected: "chat" },
  POSTOFFICE_REDIS_URL: {
    value: "redis://127.0.0.1:6379",
    expected: "redis://127.0.0.1:6379",
    with: { POSTOFFICE_MAILBOX_STORE: "redis" },
  },
  POSTOFFICE_ALLOWED_ORIGINS: {
    value: "https://app.example.com,https://*.example.org",
    expected: ["https://app.example.com", "https://*.example.org"],
  },
  POSTOFFICE_MAX_CONNECTIONS: { value: "500", expected: 500 },
  POSTOFFICE_MAX_FRAME_BYTES: { value: "1024", expected: 1024 },
  POSTOFFICE_OUTBOUND_BUFFER_BYTES: { value: "1048576", expected: 1048576 },
  POSTOFFICE_MAILBOX_OVERFLOW: { value: "dropOldest", expected: "dropOldest" },
  POSTOFFICE_MAILBOX_TTL_MS: { value: "60000", expected: 60000 },
  POSTOFFICE_SQLITE_SYNCHRONOUS: { value: "normal", expected: "normal" },
  POSTOFFICE_API_KEYS: {
    value: '[{"key":"billing-key-0123456789","name":"billing","scopes":["publish"]}]',
    expected: [{ key: "billing-key-0123456789", name: "billing", scopes: ["publish"], roles: [] }],
  },
  POSTOFFICE_AMQP_URL: { value: "amqp://u:p@rabbit:5672/", expected: "amqp://u:p@rabbit:5672/" },
  AMPQURI: { value: "amqp://chat:p@rabbit:5672/", expected: "amqp://chat:p@rabbit:5672/" },
  POSTOFFICE_METRICS_ENABLED: { value: "false", expected: false },
  POSTOFFICE_SENDER_WINDOW_MS: { value: "60000", expected: 60000 },
  POSTOFFICE_SENDER_MAX_BYTES: { value: "1048576", expected: 1048576 },
  POSTOFFICE_SENDER_MAX_NEW_MAILBOXES: { value: "0", expected: 0 },
  POSTOFFICE_MAILBOX_RECIPIENTS: { value: "connected", expected: "connected" },
  POSTOFFICE_MAILBOX_RECIPIENT_LIST: {
    value: "bob,carol",
    expected: ["bob", "carol"],
    with: { POSTOFFICE_MAILBOX_RECIPIENTS: "list" },
  },
  POSTOFFICE_MAILBOX_RECIPIENT_WEBHOOK_URL: {
    value: "http://127.0.0.1:8080/exists",
    expected: "http://127.0.0.1:8080/exists",
    with: { POSTOFFICE_MAILBOX_RECIPIENTS: "webhook" },
  },
  POSTOFFICE_METRICS_TOKEN: {
    value: "scrape-token-0123456789",
    expected: "scrape-token-0123456789",
  },
  POSTOFFICE_METRICS_ALLOW_FROM: {
    value: "10.0.0.0/8,127.0.0.1",
    expected: ["10.0.0.0/8", "127.0.0.1"],
  },
  POSTOFFICE_LOG_LEVEL: { value: "debug", expected: "debug" },
  POSTOFFICE_LOG_FORMAT: { value: "json", expected: "json" },
  GODISPATCH_SERVER_AUTH_JWTSECRET: { value: "a-very-secret-key", expected: "a-very-secret-key" },
};

function valueAt(root: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>(
    (node, key) =>
      typeof node === "object" && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined,
    root,
  );
}

describe("environment variables", () => {
  it("has a sample in this test for every variable of the table", () => {
    expect(Object.keys(samples).sort()).toEqual(envVariables.map((entry) => entry.variable).sort());
  });

  for (const { variable, path: keys } of envVariables) {
    it(`${variable} sets ${keys.join(".")}`, async () => {
      const sample = samples[variable];
      if (sample === undefined) throw new Error(`no sample for ${variable}`);
      const cwd = await tempConfigDir();
      const env = { ...sample.with, [variable]: sample.value };
      const { config } = await loadConfig({ cwd, env, flags: {} });
      expect(valueAt(config, keys)).toEqual(sample.expected);
    });
  }

  it("lets POSTOFFICE_PORT win over PORT when both are set", async () => {
    const cwd = await tempConfigDir();
    const { config } = await loadConfig({
      cwd,
      env: { POSTOFFICE_PORT: "4000", PORT: "5000" },
      flags: {},
    });
    expect(config.server.port).toBe(4000);
  });

  it("treats an empty variable as unset", async () => {
    const cwd = await tempConfigDir({ "postoffice.yaml": "server: { port: 9000 }" });
    const { config } = await loadConfig({ cwd, env: { POSTOFFICE_PORT: "", PORT: "" }, flags: {} });
    expect(config.server.port).toBe(9000);
  });

  it("resolves a relative POSTOFFICE_JWT_PUBLIC_KEY_FILE against the working directory", async () => {
    const cwd = await tempConfigDir();
    const env = { POSTOFFICE_JWT_PUBLIC_KEY_FILE: "keys/jwt.pem" };
    const { config } = await loadConfig({ cwd, env, flags: {} });
    expect(config.auth.jwt?.publicKeyFile).toBe(path.join(cwd, "keys/jwt.pem"));
  });

  it("refuses PORT=abc naming the variable, the key and what it accepts", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: { PORT: "abc" }, flags: {} });
    await expect(loading).rejects.toMatchObject({
      name: "ConfigError",
      code: "config_invalid",
      path: "/server/port",
      expected: "integer between 0 and 65535",
      source: "PORT",
      message:
        'Invalid configuration at /server/port: expected integer between 0 and 65535, got "abc" (from PORT)',
    });
  });

  it("refuses a boolean variable it cannot read", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: { POSTOFFICE_METRICS_ENABLED: "maybe" }, flags: {} });
    await expect(loading).rejects.toMatchObject({
      path: "/metrics/enabled",
      source: "POSTOFFICE_METRICS_ENABLED",
      message: expect.stringContaining("true/false"),
    });
  });

  it("refuses a JSON variable that is not JSON", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: { POSTOFFICE_AUTH_TOKENS: "[{token:" }, flags: {} });
    await expect(loading).rejects.toMatchObject({
      path: "/auth/tokens",
      source: "POSTOFFICE_AUTH_TOKENS",
    });
  });

  it("refuses a --port flag that is not an integer, naming the flag", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: {}, flags: { port: "80a" } });
    await expect(loading).rejects.toMatchObject({ path: "/server/port", source: "--port" });
  });
});

describe("parseEnvValue", () => {
  it("reads integers strictly, so 1e3 and an empty string are not ports", () => {
    expect(parseEnvValue(" 42 ", "integer")).toEqual({ ok: true, value: 42 });
    expect(parseEnvValue("1e3", "integer").ok).toBe(false);
    expect(parseEnvValue("4.5", "integer").ok).toBe(false);
  });

  it("reads booleans in the spellings people use", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "on"]) {
      expect(parseEnvValue(yes, "boolean")).toEqual({ ok: true, value: true });
    }
    for (const no of ["false", "0", "No", "off"]) {
      expect(parseEnvValue(no, "boolean")).toEqual({ ok: true, value: false });
    }
  });

  it("splits lists on commas and drops blanks", () => {
    expect(parseEnvValue("a, b,,c ", "list")).toEqual({ ok: true, value: ["a", "b", "c"] });
  });
});
