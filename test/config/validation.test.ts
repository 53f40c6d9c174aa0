import { describe, expect, it } from "vitest";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { ConfigError } from "../../src/server/config/config-error.js";
import { type LoadConfigOptions, loadConfig } from "../../src/server/config/load-config.js";
import { tempConfigDir } from "./temp-config-dir.js";

async function loadYaml(yaml: string, more: Partial<LoadConfigOptions> = {}) {
  const cwd = await tempConfigDir({ "postoffice.yaml": yaml });
  // As `postoffice start` loads it: the schema, then the checks of the components.
  return loadNodeConfig({ cwd, env: {}, flags: {}, ...more });
}

async function errorOf(loading: Promise<unknown>): Promise<ConfigError> {
  const error = await loading.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe("configuration validation", () => {
  it("refuses a value of the wrong type with its path, expectation and file line", async () => {
    const error = await errorOf(loadYaml("server:\n  host: 127.0.0.1\n  port: eighty\n"));
    expect(error).toMatchObject({
      code: "config_invalid",
      path: "/server/port",
      expected: "integer between 0 and 65535",
      source: "postoffice.yaml:3",
    });
    expect(error.message).toBe(
      'Invalid configuration at /server/port: expected integer between 0 and 65535, got "eighty" (from postoffice.yaml:3)',
    );
  });

  it("refuses an unknown key and lists the allowed ones", async () => {
    const error = await errorOf(loadYaml("server:\n  prot: 80\n"));
    expect(error.path).toBe("/server/prot");
    expect(error.message).toBe(
      "Invalid configuration at /server/prot: unknown key (allowed: host, port, allowedOrigins, path, dialect, dataDir, heartbeat, shutdown) (from postoffice.yaml:2)",
    );
  });

  it("refuses an unknown top-level section", async () => {
    const error = await errorOf(loadYaml("rabbitmq: { url: amqp://localhost }\n"));
    expect(error.path).toBe("/rabbitmq");
    expect(error.message).toContain(
      "allowed: preset, server, endpoints, auth, mailbox, limits, rooms, permissions, events, plugins, chat, amqpchat, godispatch, gopostoffice, redis, validation, api, amqp, metrics, log",
    );
  });

  it("keeps a __proto__ key as an unknown key instead of a prototype", async () => {
    const error = await errorOf(loadYaml('server:\n  "__proto__": { port: 1 }\n'));
    expect(error.path).toBe("/server/__proto__");
  });

  it("refuses an out-of-range value with the range", async () => {
    const error = await errorOf(loadYaml("server:\n  heartbeat:\n    intervalMs: 10\n"));
    expect(error).toMatchObject({
      path: "/server/heartbeat/intervalMs",
      expected: "integer of at least 1000",
    });
    expect(error.message).toContain("got 10");
  });

  it("names the variable that set a value the schema refuses", async () => {
    const error = await errorOf(loadYaml("", { env: { POSTOFFICE_PORT: "70000" } }));
    expect(error.message).toBe(
      "Invalid configuration at /server/port: expected integer between 0 and 65535, got 70000 (from POSTOFFICE_PORT)",
    );
  });

  it("refuses a value outside an enum and lists the choices", async () => {
    const error = await errorOf(loadYaml("log: { level: verbose }\n"));
    expect(error).toMatchObject({ path: "/log/level", source: "postoffice.yaml:1" });
    expect(error.expected).toContain('"debug"');
  });

  it("refuses the none algorithm for JWTs", async () => {
    const error = await errorOf(
      loadYaml("auth:\n  jwt:\n    secret: s3cret-s3cret\n    algorithms: [none]\n"),
    );
    expect(error.path).toBe("/auth/jwt/algorithms/0");
    expect(error.message).toContain('got "none"');
  });

  it("refuses a webhook without a URL, pointing at the missing key", async () => {
    const error = await errorOf(loadYaml("auth:\n  webhook:\n    timeoutMs: 100\n"));
    expect(error).toMatchObject({ path: "/auth/webhook/url", source: "postoffice.yaml:3" });
    expect(error.message).toContain("missing required key");
  });

  it("does not print a static token that is too short", async () => {
    const error = await errorOf(loadYaml("auth:\n  tokens:\n    - { token: short, user: a }\n"));
    expect(error.path).toBe("/auth/tokens/0/token");
    expect(error.message).not.toContain("short");
    expect(error.message).toContain("at least 8 characters");
  });

  it("refuses anonymous mode on a public host and says how to allow it", async () => {
    const error = await errorOf(loadYaml("auth:\n  anonymous: { enabled: true }\n"));
    expect(error.path).toBe("/auth/anonymous/enabled");
    expect(error.message).toContain('"0.0.0.0"');
    expect(error.message).toContain("127.0.0.1");
    expect(error.message).toContain("allowNonLoopback");
  });

  it("allows anonymous mode on loopback hosts, or elsewhere when told to", async () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"]) {
      const { config } = await loadYaml(
        `auth: { anonymous: { enabled: true } }\nserver: { host: "${host}" }\n`,
      );
      expect(config.auth.anonymous.enabled).toBe(true);
    }
    const { config } = await loadYaml(
      "auth: { anonymous: { enabled: true, allowNonLoopback: true } }\n",
    );
    expect(config.server.host).toBe("0.0.0.0");
  });

  it("refuses anonymous mode turned on by a variable when --host is public", async () => {
    const env = { POSTOFFICE_ANONYMOUS: "1", POSTOFFICE_HOST: "127.0.0.1" };
    const error = await errorOf(loadYaml("", { env, flags: { host: "192.168.1.10" } }));
    expect(error.source).toBe("POSTOFFICE_ANONYMOUS");
    expect(error.message).toContain("(from --host)");
  });

  it("refuses a jwt section without a key", async () => {
    const error = await errorOf(loadYaml("auth:\n  jwt:\n    issuer: https://auth.example.com\n"));
    expect(error.path).toBe("/auth/jwt");
    expect(error.message).toContain("secret, publicKey, publicKeyFile, jwksUrl");
  });

  it("refuses a jwt section with more than one key", async () => {
    const error = await errorOf(
      loadYaml("auth:\n  jwt:\n    secret: s3cret-s3cret\n", {
        env: { POSTOFFICE_JWKS_URL: "https://auth.example.com/jwks.json" },
      }),
    );
    expect(error.path).toBe("/auth/jwt/jwksUrl");
    expect(error.message).toContain("secret and jwksUrl");
  });

  it("refuses an HMAC algorithm with a public key", async () => {
    const error = await errorOf(
      loadYaml(
        "auth:\n  jwt:\n    jwksUrl: https://auth.example.com/jwks.json\n    algorithms: [RS256, HS256]\n",
      ),
    );
    expect(error.path).toBe("/auth/jwt/algorithms");
    expect(error.message).toContain("HS256");
  });

  it("refuses a permission target it does not know, at its index and file line", async () => {
    const yaml = [
      "permissions:",
      "  direct:",
      "    - from: [support]",
      '      to: ["*"]',
      "    - from: [staff]",
      "      to:",
      "        - self",
      '        - "group:x"',
      "",
    ].join("\n");
    const error = await errorOf(loadYaml(yaml));
    expect(error).toMatchObject({
      code: "config_invalid",
      path: "/permissions/direct/1/to/1",
      source: "postoffice.yaml:8",
    });
    expect(error.message).toBe(
      'Invalid configuration at /permissions/direct/1/to/1: unknown target "group:x"; expected "*", "self", "user:<glob>", "role:<role>" or "claim:<name>" (from postoffice.yaml:8)',
    );
  });

  it('refuses "role:*", which is not a wildcard', async () => {
    const error = await errorOf(
      loadYaml('permissions:\n  direct: [{ from: ["*"], to: ["role:*"] }]\n'),
    );
    expect(error.path).toBe("/permissions/direct/0/to/0");
    expect(error.message).toContain('"role:*" is not a wildcard; use "*"');
  });

  it("refuses a room permission after a catch-all, which could never apply", async () => {
    const yaml = [
      "permissions:",
      "  rooms:",
      '    - { match: "*", join: ["*"], send: ["*"], history: ["*"] }',
      '    - { match: "staff-*", join: [staff], send: [staff], history: [staff] }',
      "",
    ].join("\n");
    const error = await errorOf(loadYaml(yaml));
    expect(error).toMatchObject({ path: "/permissions/rooms/1", source: "postoffice.yaml:4" });
    expect(error.message).toContain("put catch-alls last");
  });

  it("refuses a permission entry without a key it needs, before the rules see it", async () => {
    const error = await errorOf(loadYaml("permissions:\n  direct: [{ from: [staff] }]\n"));
    expect(error.path).toBe("/permissions/direct/0/to");
    expect(error.message).toContain("missing required key");
  });

  it("accepts every permission target form", async () => {
    const yaml = [
      "permissions:",
      "  direct:",
      '    - from: ["*"]',
      '      to: ["*", self, "user:bot-*", "role:support", "claim:team"]',
      "  broadcast: []",
      "",
    ].join("\n");
    const { config } = await loadYaml(yaml);
    expect(config.permissions.direct[0]?.to).toHaveLength(5);
    expect(config.permissions.broadcast).toEqual([]);
    expect(config.permissions.rooms).toEqual([
      { match: "*", join: ["*"], send: ["*"], history: ["*"] },
    ]);
  });

  it("refuses an outbound buffer smaller than four of the largest frames", async () => {
    const cwd = await tempConfigDir();
    await expect(
      loadConfig({
        cwd,
        env: { POSTOFFICE_MAX_FRAME_BYTES: "1048576", POSTOFFICE_OUTBOUND_BUFFER_BYTES: "1048576" },
        flags: {},
      }),
    ).rejects.toThrow(/\/limits\/outboundBufferBytes: must be at least 4 × limits.maxFrameBytes/);
  });

  it("refuses nodes that share a broker but keep their own mailboxes", async () => {
    const error = await errorOf(loadYaml("redis: { url: redis://127.0.0.1:6379 }\n"));
    expect(error.path).toBe("/mailbox/store");
    expect(error.message).toContain("must share mailboxes");
  });

  it("refuses a Redis mailbox store without a Redis", async () => {
    const error = await errorOf(loadYaml("mailbox: { store: redis }\n"));
    expect(error.path).toBe("/redis/url");
  });

  it("refuses mailbox.recipients: webhook without its recipientWebhook, and a recipientWebhook nothing asks", async () => {
    const missing = await errorOf(loadYaml("mailbox: { recipients: webhook }\n"));
    expect(missing.path).toBe("/mailbox/recipientWebhook");
    const unused = await errorOf(
      loadYaml("mailbox:\n  recipientWebhook: { url: http://127.0.0.1:9/exists }\n"),
    );
    expect(unused.path).toBe("/mailbox/recipientWebhook");
    expect(unused.message).toContain("mailbox.recipients: webhook");
  });

  it("does not echo a recipient webhook's URL that the schema refuses", async () => {
    const error = await errorOf(
      loadYaml(
        "mailbox:\n  recipients: webhook\n  recipientWebhook: { url: ftp://h/exists?key=hunter2 }\n",
      ),
    );
    expect(error.path).toBe("/mailbox/recipientWebhook/url");
    expect(error.message).not.toContain("hunter2");
  });
});
