import { isDeepStrictEqual } from "node:util";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { Config, JwtConfig, WebhookConfig } from "../../src/server/config/config.js";
import {
  annotationKeywords,
  configSchema,
  describeExpectedAt,
  type SchemaNode,
} from "../../src/server/config/schema.js";
import { DEFAULT_PERMISSIONS } from "../../src/server/rules/permissions-config.js";
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
  preset: "chat",
  server: {
    host: "0.0.0.0",
    port: 8080,
    allowedOrigins: ["https://app.example.com"],
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
  limits: {
    maxFrameBytes: 65536,
    maxNestingDepth: 32,
    maxStringLength: 32768,
    binaryFrames: false,
    outboundBufferBytes: 4194304,
    handshakeTimeoutMs: 10000,
    maxConnections: 10000,
    maxConnectionsPerIp: 0,
    maxSessionsPerUser: 32,
    rate: {
      connection: { perSecond: 100, burst: 200 },
      user: { perSecond: 200, burst: 400 },
      message: { perSecond: 50, burst: 100 },
      closeAfterRefusals: 20,
    },
  },
  rooms: {
    maxPerConnection: 100,
    maxMembers: 10000,
    settings: [
      { match: "support-*", presence: false, history: 50 },
      { match: "*", presence: true, history: 0 },
    ],
  },
  permissions: {
    rooms: [
      { match: "staff-*", join: ["staff"], send: ["staff"], history: ["staff"] },
      { match: "*", join: ["*"], send: ["*"], history: ["*"] },
    ],
    direct: [{ from: ["*"], to: ["self", "role:support"] }],
    broadcast: ["admin"],
  },
  chat: { enabled: true, room: "lobby" },
  redis: { url: "redis://127.0.0.1:6379", keyPrefix: "po:", presenceTtlMs: 30000 },
  validation: {
    message: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  },
  metrics: { enabled: true, processMetrics: true },
  log: { level: "info", format: "auto" },
};

/** Keys whose value is an operator's JSON Schema: one key of ours, whatever it holds inside. */
const userSchemaKeys = schemaLeaves(configSchema)
  .filter((leaf) => leaf.node.userSchema)
  .map((leaf) => leaf.dotted);

function valueLeaves(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || userSchemaKeys.includes(prefix)) {
    return [prefix];
  }
  if (Array.isArray(value)) {
    const objects = value.filter((item) => typeof item === "object" && item !== null);
    return [prefix, ...objects.flatMap((item) => valueLeaves(item, `${prefix}[]`))];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    valueLeaves(child, prefix === "" ? key : `${prefix}.${key}`),
  );
}

/** An object inside a list (`auth.tokens[]`): one entry the operator writes, never filled in. */
function isListItem(at: string): boolean {
  return at.endsWith("[]");
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
  const validate = new Ajv({
    useDefaults: true,
    strict: true,
    keywords: annotationKeywords,
  }).compile(configSchema);

  it("accepts a Config with every key set and adds nothing to it", () => {
    const copy = structuredClone(everyKey);
    expect(validate(copy), JSON.stringify(validate.errors)).toBe(true);
    expect(copy).toEqual(everyKey);
  });

  it("has exactly the keys of the Config type", () => {
    const fromSchema = schemaLeaves(configSchema).map((leaf) => leaf.dotted);
    // A list of several entries names each of its item keys once per entry.
    expect(fromSchema.sort()).toEqual([...new Set(valueLeaves(everyKey))].sort());
  });

  it("describes every key", () => {
    const undocumented = schemaLeaves(configSchema).filter((leaf) => !leaf.node.description);
    expect(undocumented.map((leaf) => leaf.dotted)).toEqual([]);
  });

  it("closes every object to unknown keys, except an operator's JSON Schema", () => {
    const open = objectNodes(configSchema).filter(
      ([, node]) => node.additionalProperties !== false && !node.userSchema,
    );
    expect(open.map(([at]) => at)).toEqual([]);
  });

  it("defaults every always-present section to {} so zero configuration fills it", () => {
    const optional = new Set(["(root)", "auth.jwt", "auth.webhook"]);
    const sections = objectNodes(configSchema).filter(
      ([at, node]) => !isListItem(at) && !optional.has(at) && !node.userSchema,
    );
    const notEmpty = sections.filter(([, node]) => !isDeepStrictEqual(node.default, {}));
    expect(notEmpty.map(([at]) => at)).toEqual([]);
  });

  it("gives list items no default: they are entries of a list, not sections", () => {
    const items = objectNodes(configSchema).filter(([at]) => isListItem(at));
    expect(items.map(([at]) => at).sort()).toEqual([
      "auth.tokens[]",
      "permissions.direct[]",
      "permissions.rooms[]",
      "rooms.settings[]",
    ]);
    const defaulted = items.filter(([, node]) => node.default !== undefined);
    expect(defaulted.map(([at]) => at)).toEqual([]);
  });

  it("defaults permissions to the DEFAULT_PERMISSIONS of the rules", () => {
    const keys = configSchema.properties?.permissions?.properties ?? {};
    const defaults = Object.fromEntries(
      Object.entries(keys).map(([key, node]) => [key, node.default]),
    );
    expect(defaults).toEqual(DEFAULT_PERMISSIONS);
  });

  it("holds operator-written JSON Schemas only at validation.message, open and without default", () => {
    const userSchemas = objectNodes(configSchema).filter(([, node]) => node.userSchema);
    expect(userSchemas.map(([at]) => at)).toEqual(["validation.message"]);
    expect(userSchemaKeys).toEqual(["validation.message"]);
    for (const [at, node] of userSchemas) {
      expect(node.type, at).toBe("object");
      expect(node.default, at).toBeUndefined();
      expect(node.properties, at).toBeUndefined();
      expect(node.additionalProperties, at).toBeUndefined();
    }
  });

  it("describes an operator's JSON Schema as such in errors", () => {
    expect(describeExpectedAt(["validation", "message"])).toBe("a JSON Schema object");
    expect(describeExpectedAt(["limits"])).toBe("mapping of keys to values");
  });

  it("never accepts the none algorithm", () => {
    const algorithms = configSchema.properties?.auth?.properties?.jwt?.properties?.algorithms;
    expect(algorithms?.items?.enum).not.toContain("none");
  });
});
