import { isDeepStrictEqual } from "node:util";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { Config, JwtConfig, WebhookConfig } from "../../src/server/config/config.js";
import { defaultConfig } from "../../src/server/config/defaults.js";
import {
  annotationKeywords,
  configSchema,
  configSchemaNode,
  describeExpectedAt,
  type SchemaNode,
  schemaLeaves,
} from "../../src/server/config/schema.js";

/** Every optional key set: TypeScript keeps these literals complete. */
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
  refusalCacheTtlMs: 5000,
  maxBodyBytes: 65536,
  maxConcurrent: 32,
  maxQueued: 256,
  circuitFailures: 5,
  circuitCooldownMs: 10000,
  addressBudget: 5,
  addressWindowMs: 60000,
};

/** The defaults, with every optional key and every list entry's keys set too. */
function everyKey(): Config {
  const config = structuredClone(defaultConfig);
  config.preset = "chat";
  config.server.allowedOrigins = ["https://app.example.com"];
  config.auth.tokens = [{ token: "static-token", user: "alice", roles: ["admin"] }];
  config.auth.jwt = jwt;
  config.auth.webhook = webhook;
  config.endpoints = [
    {
      path: "/mt",
      dialect: "messagetransfer",
      auth: { tokens: [{ token: "valid-token", user: "*", roles: [] }], jwt, webhook },
    },
  ];
  config.rooms.settings = [
    { match: "support-*", presence: false, history: 50 },
    { match: "*", presence: true, history: 0 },
  ];
  config.permissions.rooms = [
    { match: "staff-*", join: ["staff"], send: ["staff"], history: ["staff"] },
    { match: "*", join: ["*"], send: ["*"], history: ["*"] },
  ];
  config.permissions.direct = [{ from: ["*"], to: ["self", "role:support"] }];
  config.chat = { enabled: true, room: "lobby" };
  config.amqpchat = { authHeader: "Basic c2VlZA==" };
  config.godispatch = { jwtSecret: "a-very-secret-key" };
  config.gopostoffice = {
    trustClientId: true,
    receipts: true,
    errors: true,
    oneConnectionPerClient: false,
  };
  config.mailbox.recipientWebhook = {
    url: "https://users.example.com/exists",
    timeoutMs: 2000,
    cacheMs: 60000,
  };
  config.redis = { url: "redis://127.0.0.1:6379", keyPrefix: "po:", presenceTtlMs: 30000 };
  config.events = { ping: { target: "none", actions: ["log"] } };
  config.plugins = ["./plugins/shout.mjs"];
  config.validation.message = {
    type: "object",
    properties: { text: { type: "string" } },
    required: ["text"],
  };
  config.api.keys = [
    { key: "api-key-0123456789abcdef", name: "billing", scopes: ["publish"], roles: [] },
  ];
  return config;
}

/** Keys whose value is an operator's JSON Schema: one key of ours, whatever it holds inside. */
const userSchemaKeys = schemaLeaves(configSchemaNode)
  .filter((leaf) => leaf.node.userSchema)
  .map((leaf) => leaf.dotted);
/** Keys whose value is a mapping of names the operator chooses (`events`): one key of ours too. */
const namedEntriesKeys = schemaLeaves(configSchemaNode)
  .filter((leaf) => leaf.node.namedEntries)
  .map((leaf) => leaf.dotted);

function valueLeaves(value: unknown, prefix = ""): string[] {
  const opaque = userSchemaKeys.includes(prefix) || namedEntriesKeys.includes(prefix);
  if (typeof value !== "object" || value === null || opaque) {
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

function allNodes(node: SchemaNode, at = "(root)"): Array<[string, SchemaNode]> {
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    allNodes(child, at === "(root)" ? key : `${at}.${key}`),
  );
  const items = node.items === undefined ? [] : allNodes(node.items, `${at}[]`);
  return [[at, node], ...children, ...items];
}

function objectNodes(node: SchemaNode): Array<[string, SchemaNode]> {
  return allNodes(node).filter(([, n]) => n.type === "object");
}

/** The keywords `SchemaNode` declares: the code that walks the schema knows no others. */
const knownKeywords = new Set([
  "$schema",
  "type",
  "description",
  "default",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "uniqueItems",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "pattern",
  ...annotationKeywords.map((definition) => definition.keyword as string),
]);

describe("configSchema", () => {
  const validate = new Ajv({
    useDefaults: true,
    strict: true,
    keywords: annotationKeywords,
  }).compile(configSchema);

  it("accepts a Config with every key set and adds nothing to it", () => {
    const config = everyKey();
    const copy = structuredClone(config);
    expect(validate(copy), JSON.stringify(validate.errors)).toBe(true);
    expect(copy).toEqual(config);
  });

  it("has exactly the keys of the Config type", () => {
    const fromSchema = schemaLeaves(configSchemaNode).map((leaf) => leaf.dotted);
    // A list of several entries names each of its item keys once per entry.
    expect(fromSchema.sort()).toEqual([...new Set(valueLeaves(everyKey()))].sort());
  });

  it("uses only the keywords the code that walks it knows", () => {
    const unknown = allNodes(configSchemaNode).flatMap(([at, node]) =>
      Object.keys(node)
        .filter((keyword) => !knownKeywords.has(keyword))
        .map((keyword) => `${at}: ${keyword}`),
    );
    expect(unknown).toEqual([]);
  });

  it("describes every key", () => {
    const undocumented = schemaLeaves(configSchemaNode).filter((leaf) => !leaf.node.description);
    expect(undocumented.map((leaf) => leaf.dotted)).toEqual([]);
  });

  it("closes every object to unknown keys, except an operator's JSON Schema and named entries", () => {
    const open = objectNodes(configSchemaNode).filter(
      ([, node]) => node.additionalProperties !== false && !node.userSchema && !node.namedEntries,
    );
    expect(open.map(([at]) => at)).toEqual([]);
  });

  it("defaults every always-present section to {} so zero configuration fills it", () => {
    const optional = new Set([
      "(root)",
      "auth.jwt",
      "auth.webhook",
      "mailbox.recipientWebhook",
      "endpoints[].auth",
      "endpoints[].auth.jwt",
      "endpoints[].auth.webhook",
    ]);
    const sections = objectNodes(configSchemaNode).filter(
      ([at, node]) =>
        !isListItem(at) && !optional.has(at) && !node.userSchema && !node.namedEntries,
    );
    const notEmpty = sections.filter(([, node]) => !isDeepStrictEqual(node.default, {}));
    expect(notEmpty.map(([at]) => at)).toEqual([]);
  });

  it("gives list items no default: they are entries of a list, not sections", () => {
    const items = objectNodes(configSchemaNode).filter(([at]) => isListItem(at));
    expect(items.map(([at]) => at).sort()).toEqual([
      "api.keys[]",
      "auth.tokens[]",
      "endpoints[]",
      "endpoints[].auth.tokens[]",
      "permissions.direct[]",
      "permissions.rooms[]",
      "rooms.settings[]",
    ]);
    const defaulted = items.filter(([, node]) => node.default !== undefined);
    expect(defaulted.map(([at]) => at)).toEqual([]);
  });

  it("defaults permissions to open rooms, open direct mail and broadcast for admins", () => {
    expect(defaultConfig.permissions).toEqual({
      rooms: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
      direct: [{ from: ["*"], to: ["*"] }],
      broadcast: ["admin"],
      names: [],
    });
  });

  it("holds operator-written JSON Schemas only at validation.message, open and without default", () => {
    const userSchemas = objectNodes(configSchemaNode).filter(([, node]) => node.userSchema);
    expect(userSchemas.map(([at]) => at)).toEqual(["validation.message"]);
    expect(userSchemaKeys).toEqual(["validation.message"]);
    for (const [at, node] of userSchemas) {
      expect(node.type, at).toBe("object");
      expect(node.default, at).toBeUndefined();
      expect(node.properties, at).toBeUndefined();
      expect(node.additionalProperties, at).toBeUndefined();
    }
  });

  it("holds named entries only at events, open and without default", () => {
    const named = objectNodes(configSchemaNode).filter(([, node]) => node.namedEntries);
    expect(named.map(([at]) => at)).toEqual(["events"]);
    expect(named[0]?.[1].default).toBeUndefined();
    expect(describeExpectedAt(["events"])).toBe("a mapping of names to definitions");
  });

  it("describes an operator's JSON Schema as such in errors", () => {
    expect(describeExpectedAt(["validation", "message"])).toBe("a JSON Schema object");
    expect(describeExpectedAt(["limits"])).toBe("mapping of keys to values");
  });

  it("never accepts the none algorithm", () => {
    const algorithms = configSchemaNode.properties?.auth?.properties?.jwt?.properties?.algorithms;
    expect(algorithms?.items?.enum).not.toContain("none");
  });

  it("marks the static tokens, the JWT secret, the API keys, the metrics token and the recipient webhook URL as secrets", () => {
    const secrets = schemaLeaves(configSchemaNode).filter((leaf) => leaf.node.secret);
    expect(secrets.map((leaf) => leaf.dotted)).toEqual([
      "endpoints[].auth.tokens[].token",
      "endpoints[].auth.jwt.secret",
      "auth.tokens[].token",
      "auth.jwt.secret",
      "mailbox.recipientWebhook.url",
      "amqpchat.authHeader",
      "godispatch.jwtSecret",
      "api.keys[].key",
      "amqp.url",
      "metrics.token",
    ]);
  });

  it("names each environment variable on one key only", () => {
    const variables = schemaLeaves(configSchemaNode).flatMap((leaf) => leaf.node.env ?? []);
    expect(variables.length).toBeGreaterThan(30);
    expect(new Set(variables).size).toBe(variables.length);
  });

  it("refuses a malformed annotation when ajv compiles it", () => {
    const ajv = new Ajv({ strict: true, keywords: annotationKeywords });
    const bad = { type: "object", properties: { port: { type: "integer", env: ["port"] } } };
    expect(() => ajv.compile(bad)).toThrow(/env/);
  });
});

describe("defaultConfig", () => {
  it("is what loading nothing gives, frozen so that no caller can change it for the others", () => {
    expect(defaultConfig.server.port).toBe(8080);
    expect(defaultConfig.mailbox.store).toBe("sqlite");
    expect(() => defaultConfig.permissions.broadcast.push("tenant")).toThrow(TypeError);
  });
});
