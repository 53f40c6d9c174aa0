import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { Config, JwtConfig, WebhookConfig } from "../../src/server/config/config.js";
import { configSchema, type SchemaNode } from "../../src/server/config/schema.js";
import { schemaLeaves } from "./schema-leaves.js";

/** Every key of `Config` set, optional ones included: TypeScript keeps this literal complete. */
const jwt: Required<JwtConfig> = {
  secret: "shared-secret",
  publicKey: "-----BEGIN PUBLIC KEY-----",
  publicKeyFile: "/etc/jwt.pem",
  jwksUrl: "https://auth.example.com/jwks.json",
  algorithms: ["HS256"],
  issuer: "https://auth.example.com",
  audience: "postoffice",
  userClaim: "sub",
  rolesClaim: "roles",
  clockToleranceSec: 5,
};
const webhook: Required<WebhookConfig> = {
  url: "https://auth.example.com/check",
  timeoutMs: 3000,
  cacheTtlMs: 0,
};
const everyKey: Config = {
  server: {
    host: "0.0.0.0",
    port: 8080,
    path: "/ws",
    dataDir: "./data",
    heartbeat: { intervalMs: 25000 },
    shutdown: { drainTimeoutMs: 10000, reconnectWindowMs: 5000 },
  },
  auth: {
    timeoutMs: 10000,
    queryParam: "token",
    cookieName: "session-token",
    tokens: [{ token: "static-token", user: "alice", roles: ["admin"] }],
    jwt,
    webhook,
    anonymous: { enabled: false, allowNonLoopback: false },
  },
  mailbox: {
    store: "sqlite",
    maxMessages: 10000,
    overflow: "refuse",
    ttlMs: 604800000,
    idempotencyWindowMs: 86400000,
    expireIntervalMs: 60000,
    sqlite: { file: "mailboxes.db", synchronous: "full", busyTimeoutMs: 5000 },
  },
  limits: { maxFrameBytes: 65536, maxNestingDepth: 32, outboundBufferBytes: 4194304 },
  metrics: { enabled: true, processMetrics: true },
  log: { level: "info", format: "auto" },
};

function valueLeaves(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  if (Array.isArray(value)) {
    const objects = value.filter((item) => typeof item === "object" && item !== null);
    return [prefix, ...objects.flatMap((item) => valueLeaves(item, `${prefix}[]`))];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    valueLeaves(child, prefix === "" ? key : `${prefix}.${key}`),
  );
}

function objectNodes(node: SchemaNode, at = "(root)"): Array<[string, SchemaNode]> {
  const own: Array<[string, SchemaNode]> = node.type === "object" ? [[at, node]] : [];
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    objectNodes(child, at === "(root)" ? key : `${at}.${key}`),
  );
  const items = node.items === undefined ? [] : objectNodes(node.items, `${at}[]`);
  return [...own, ...children, ...items];
}

describe("configSchema", () => {
  const validate = new Ajv({ useDefaults: true, strict: true }).compile(configSchema);

  it("accepts a Config with every key set and adds nothing to it", () => {
    const copy = structuredClone(everyKey);
    expect(validate(copy), JSON.stringify(validate.errors)).toBe(true);
    expect(copy).toEqual(everyKey);
  });

  it("has exactly the keys of the Config type", () => {
    const fromSchema = schemaLeaves(configSchema).map((leaf) => leaf.dotted);
    expect(fromSchema.sort()).toEqual(valueLeaves(everyKey).sort());
  });

  it("describes every key", () => {
    const undocumented = schemaLeaves(configSchema).filter((leaf) => !leaf.node.description);
    expect(undocumented.map((leaf) => leaf.dotted)).toEqual([]);
  });

  it("closes every object to unknown keys", () => {
    const open = objectNodes(configSchema).filter(
      ([, node]) => node.additionalProperties !== false,
    );
    expect(open.map(([at]) => at)).toEqual([]);
  });

  it("defaults every always-present section to {} so zero configuration fills it", () => {
    const optional = new Set(["(root)", "auth.jwt", "auth.webhook", "auth.tokens[]"]);
    const missing = objectNodes(configSchema)
      .filter(([at, node]) => !optional.has(at) && node.default === undefined)
      .map(([at]) => at);
    expect(missing).toEqual([]);
  });

  it("never accepts the none algorithm", () => {
    const algorithms = configSchema.properties?.auth?.properties?.jwt?.properties?.algorithms;
    expect(algorithms?.items?.enum).not.toContain("none");
  });
});
