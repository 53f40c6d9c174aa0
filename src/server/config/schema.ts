/**
 * The JSON Schema of `Config`: the source of truth for defaults, limits and descriptions.
 * `docs/configuration.md` mirrors it and a test fails when the two drift.
 *
 * Every object level has `default: {}` because ajv's `useDefaults` only descends into an
 * object that exists: without it, zero configuration would not fill `server.heartbeat`.
 * The one exception is a `userSchema` node (see below): open, optional, no default.
 */

export type SchemaType = "object" | "array" | "string" | "integer" | "boolean";

export interface SchemaNode {
  $schema?: string;
  type: SchemaType;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: false;
  items?: SchemaNode;
  uniqueItems?: boolean;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  /**
   * The value is a JSON Schema the operator writes (`validation.message`), not keys of ours: an
   * open object with no default, never descended into. Only here may an object lack
   * `additionalProperties: false` and `default: {}`; the schema tests enforce both rules for
   * every other object. Not a JSON Schema keyword: ajv is told to ignore it
   * (`annotationKeywords`).
   */
  userSchema?: true;
}

/** Our own keywords in `configSchema`, which carry meaning for us and none for validation. */
export const annotationKeywords = ["userSchema"];

/** Patterns in words, for error messages: a regex is no help to the person fixing a file. */
const patternMeanings: Record<string, string> = {
  "^https?://\\S+$": "an http:// or https:// URL",
  "^/": "a URL path starting with /",
};

const httpUrl = "^https?://\\S+$";

export const jwtAlgorithms = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
];

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

const server: SchemaNode = {
  type: "object",
  description: "Where and how the node listens.",
  additionalProperties: false,
  default: {},
  properties: {
    host: {
      type: "string",
      minLength: 1,
      default: "0.0.0.0",
      description: "Address to bind. `0.0.0.0` listens on every IPv4 interface.",
    },
    port: {
      type: "integer",
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: "TCP port for HTTP and WebSocket upgrades. 0 picks a free port (tests).",
    },
    allowedOrigins: {
      type: "array",
      default: [],
      items: { type: "string", minLength: 1 },
      description:
        "Browser origins allowed to connect: exact (`https://app.example.com`) or with `*` wildcards (`https://*.example.com`). Other origins get HTTP 403. Empty: any origin, except that cookie logins must come from the same origin.",
    },
    path: {
      type: "string",
      pattern: "^/",
      default: "/ws",
      description: "URL path where WebSocket upgrades are accepted.",
    },
    dataDir: {
      type: "string",
      minLength: 1,
      default: "./data",
      description:
        "Directory for durable state. A relative path is resolved against the base file's directory (or the working directory).",
    },
    heartbeat: {
      type: "object",
      description: "Liveness checks of idle connections.",
      additionalProperties: false,
      default: {},
      properties: {
        intervalMs: {
          type: "integer",
          minimum: 1000,
          default: 25000,
          description:
            "A WebSocket ping is sent this often; a peer that has not answered by the next one is cut.",
        },
      },
    },
    shutdown: {
      type: "object",
      description: "Graceful shutdown on SIGTERM/SIGINT.",
      additionalProperties: false,
      default: {},
      properties: {
        drainTimeoutMs: {
          type: "integer",
          minimum: 0,
          default: 10000,
          description:
            "How long a drain may take before the remaining connections are cut and the process exits.",
        },
        reconnectWindowMs: {
          type: "integer",
          minimum: 0,
          default: 5000,
          description:
            "Told to clients in the 1001 close: they spread reconnects uniformly over this window.",
        },
      },
    },
  },
};

const staticToken: SchemaNode = {
  type: "object",
  description: "A fixed token and the identity it grants.",
  additionalProperties: false,
  required: ["token", "user"],
  properties: {
    token: {
      type: "string",
      minLength: 8,
      description: "The secret a client presents.",
    },
    user: { type: "string", minLength: 1, description: "User id the token authenticates as." },
    roles: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "Roles granted to the user.",
    },
  },
};

const jwt: SchemaNode = {
  type: "object",
  description: "Accept JSON Web Tokens. Exactly one of secret, publicKey, publicKeyFile, jwksUrl.",
  additionalProperties: false,
  properties: {
    secret: { type: "string", minLength: 1, description: "Shared secret for HS256/384/512." },
    publicKey: {
      type: "string",
      minLength: 1,
      description: "PEM-encoded SPKI public key for the RS, PS and ES algorithms.",
    },
    publicKeyFile: {
      type: "string",
      minLength: 1,
      description:
        "Path to a PEM public key file, read at start; relative to the base file's directory.",
    },
    jwksUrl: { type: "string", pattern: httpUrl, description: "URL of a JSON Web Key Set." },
    algorithms: {
      type: "array",
      items: { type: "string", enum: jwtAlgorithms },
      uniqueItems: true,
      description:
        "Algorithms accepted; when absent, those the configured key allows. `none` is never accepted.",
    },
    issuer: { type: "string", minLength: 1, description: "Required `iss` claim, if set." },
    audience: { type: "string", minLength: 1, description: "Required `aud` claim, if set." },
    userClaim: {
      type: "string",
      minLength: 1,
      default: "sub",
      description: "Claim holding the user id.",
    },
    rolesClaim: {
      type: "string",
      minLength: 1,
      default: "roles",
      description: "Claim holding the roles: an array of strings or one space-separated string.",
    },
    clockToleranceSec: {
      type: "integer",
      minimum: 0,
      default: 5,
      description: "Leeway for `exp` and `nbf` between clocks.",
    },
  },
};

const webhook: SchemaNode = {
  type: "object",
  description: "Ask an HTTP endpoint who a token belongs to.",
  additionalProperties: false,
  required: ["url"],
  properties: {
    url: { type: "string", pattern: httpUrl, description: "Endpoint that receives the token." },
    timeoutMs: {
      type: "integer",
      minimum: 1,
      default: 3000,
      description: "A call slower than this fails as `auth_unavailable`.",
    },
    cacheTtlMs: {
      type: "integer",
      minimum: 0,
      default: 0,
      description: "How long a successful answer is reused for the same token. 0 = never.",
    },
  },
};

const auth: SchemaNode = {
  type: "object",
  description: "How sessions prove who they are.",
  additionalProperties: false,
  default: {},
  properties: {
    timeoutMs: {
      type: "integer",
      minimum: 100,
      default: 10000,
      description: "A session must authenticate within this time or is closed with 4408.",
    },
    queryParam: {
      type: "string",
      minLength: 1,
      default: "token",
      description: "Query parameter that may carry the token.",
    },
    cookieName: {
      type: "string",
      minLength: 1,
      default: "session-token",
      description: "Cookie that may carry the token.",
    },
    tokens: {
      type: "array",
      items: staticToken,
      default: [],
      description: "Static tokens, for services and development.",
    },
    jwt,
    webhook,
    anonymous: {
      type: "object",
      description: "Development mode without credentials.",
      additionalProperties: false,
      default: {},
      properties: {
        enabled: {
          type: "boolean",
          default: false,
          description:
            "Anyone may connect, named by `?client_id=`, `?id=` or `?username=`. Development only.",
        },
        allowNonLoopback: {
          type: "boolean",
          default: false,
          description: "Let anonymous mode bind a host other than loopback.",
        },
      },
    },
  },
};

const mailbox: SchemaNode = {
  type: "object",
  description: "Durable per-user queues.",
  additionalProperties: false,
  default: {},
  properties: {
    store: {
      type: "string",
      enum: ["sqlite", "memory"],
      default: "sqlite",
      description:
        "Backend that holds mailboxes: `sqlite` is durable (a file in the data directory); `memory` is lost on restart.",
    },
    maxMessages: {
      type: "integer",
      minimum: 1,
      default: 10000,
      description:
        "Most mails a mailbox holds. Acknowledged mail is evicted first to make room; then `overflow` decides.",
    },
    overflow: {
      type: "string",
      enum: ["refuse", "dropOldest"],
      default: "refuse",
      description:
        "When a mailbox is full of unacknowledged mail: `refuse` answers the sender `mailbox_full`; `dropOldest` drops the oldest mail (counted in `postoffice_mail_dropped_total`).",
    },
    ttlMs: {
      type: "integer",
      minimum: 1000,
      default: 604800000,
      description:
        "Mail and receipts older than this (7 days by default) are removed, delivered or not, and counted in `postoffice_mail_expired_total`.",
    },
    idempotencyWindowMs: {
      type: "integer",
      minimum: 0,
      default: 86400000,
      description:
        "A send retried with the same frame `id` by the same user within this window (24 h) is stored once and answered with the first receipt.",
    },
    expireIntervalMs: {
      type: "integer",
      minimum: 100,
      default: 60000,
      description: "How often expired mail and idempotency keys are swept.",
    },
    sqlite: {
      type: "object",
      description: "The embedded SQLite store (`mailbox.store: sqlite`).",
      additionalProperties: false,
      default: {},
      properties: {
        file: {
          type: "string",
          minLength: 1,
          default: "mailboxes.db",
          description: "Database file; a relative path is inside `server.dataDir`.",
        },
        synchronous: {
          type: "string",
          enum: ["full", "normal"],
          default: "full",
          description:
            "`full`: every commit is flushed to disk before mail is `accepted` (survives power loss). `normal`: survives a crash of the process, not of the machine; faster.",
        },
        busyTimeoutMs: {
          type: "integer",
          minimum: 0,
          default: 5000,
          description:
            "How long a write waits for a lock held by another connection before the send fails with `store_unavailable`.",
        },
      },
    },
  },
};

function bucket(what: string, perSecond: number, burst: number): SchemaNode {
  return {
    type: "object",
    description: `Token bucket for ${what}.`,
    additionalProperties: false,
    default: {},
    properties: {
      perSecond: {
        type: "integer",
        minimum: 0,
        default: perSecond,
        description: `Frames per second allowed for ${what}, on average. 0 turns this limit off.`,
      },
      burst: {
        type: "integer",
        minimum: 1,
        default: burst,
        description: `Frames allowed at once for ${what} before the rate applies.`,
      },
    },
  };
}

const rate: SchemaNode = {
  type: "object",
  description:
    "Rate limits: a frame over a limit is refused with `rate_limited` and `retryAfterMs`.",
  additionalProperties: false,
  default: {},
  properties: {
    connection: bucket("all frames of one connection", 100, 200),
    user: bucket("all frames of one user's connections to this node", 200, 400),
    message: bucket("`message` and `broadcast` frames, per connection and per user", 50, 100),
    closeAfterRefusals: {
      type: "integer",
      minimum: 1,
      default: 20,
      description:
        "Refusals for rate a connection may collect (refilled over 10 s); past them it is flooding and is closed with 4429.",
    },
  },
};

const limits: SchemaNode = {
  type: "object",
  description: "What one connection may send and hold, and how many connections there may be.",
  additionalProperties: false,
  default: {},
  properties: {
    maxFrameBytes: {
      type: "integer",
      minimum: 256,
      maximum: 16777216,
      default: 65536,
      description: "Largest frame a client may send; a larger one closes the connection with 1009.",
    },
    maxNestingDepth: {
      type: "integer",
      minimum: 2,
      maximum: 256,
      default: 32,
      description:
        "Deepest nesting of objects and arrays in a frame; a deeper frame is refused with `nesting_too_deep`.",
    },
    maxStringLength: {
      type: "integer",
      minimum: 1,
      default: 32768,
      description:
        "Longest string (in UTF-16 code units) anywhere in a frame; a longer one is refused with `string_too_long`.",
    },
    binaryFrames: {
      type: "boolean",
      default: false,
      description:
        "Read binary frames as UTF-8 JSON like text frames. Off: a binary frame is refused with `binary_not_supported`.",
    },
    outboundBufferBytes: {
      type: "integer",
      minimum: 65536,
      default: 4194304,
      description:
        "Bytes the server may hold for a client that reads slowly; past it the connection is closed with 1013 and its mail waits in the mailbox.",
    },
    handshakeTimeoutMs: {
      type: "integer",
      minimum: 100,
      default: 10000,
      description:
        "A client must send its whole HTTP request (the WebSocket handshake) within this time, or the socket is cut (slowloris).",
    },
    maxConnections: {
      type: "integer",
      minimum: 0,
      default: 10000,
      description:
        "Open WebSocket connections this node accepts; past it upgrades get HTTP 503. 0: no limit.",
    },
    maxConnectionsPerIp: {
      type: "integer",
      minimum: 0,
      default: 0,
      description:
        "Open connections from one client address; past it upgrades get HTTP 429. 0: no limit (the default, because behind a proxy every client has the proxy's address).",
    },
    maxSessionsPerUser: {
      type: "integer",
      minimum: 0,
      default: 32,
      description:
        "Authenticated connections of one user on this node; one more is closed with 4409. 0: no limit.",
    },
    rate,
  },
};

const roleList = (what: string): SchemaNode => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  description: `Roles that may ${what}; \`*\` for any authenticated user.`,
});

const rooms: SchemaNode = {
  type: "object",
  description: "Rooms: limits, presence notices and history.",
  additionalProperties: false,
  default: {},
  properties: {
    maxPerConnection: {
      type: "integer",
      minimum: 1,
      default: 100,
      description: "Rooms one connection may be in; one more is refused with `room_limit`.",
    },
    maxMembers: {
      type: "integer",
      minimum: 1,
      default: 10000,
      description:
        "Connections one room may hold on this node; one more is refused with `room_full`.",
    },
    settings: {
      type: "array",
      default: [{ match: "*", presence: true, history: 0 }],
      description:
        "Per room pattern, the first that matches: whether members are told of joins and leaves, and how many messages are kept for members who rejoin with `since`.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match"],
        description: "Settings for the rooms whose name matches.",
        properties: {
          match: {
            type: "string",
            minLength: 1,
            description: "Glob on the room name (`*` matches any run of characters).",
          },
          presence: {
            type: "boolean",
            default: true,
            description: "Send `presence` join/leave events to members.",
          },
          history: {
            type: "integer",
            minimum: 0,
            maximum: 100000,
            default: 0,
            description:
              "Messages kept (in memory) for members who rejoin with `since`; 0 keeps none.",
          },
        },
      },
    },
  },
};

const permissions: SchemaNode = {
  type: "object",
  description: "Who may do what, by role (see docs/rules.md). Refusals name the rule that refused.",
  additionalProperties: false,
  default: {},
  properties: {
    rooms: {
      type: "array",
      default: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
      description:
        "Per room pattern, the first that matches decides; a room no entry matches is refused.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match", "join", "send", "history"],
        description: "Who may join, send to, and read the history of the rooms whose name matches.",
        properties: {
          match: { type: "string", minLength: 1, description: "Glob on the room name." },
          join: roleList("join"),
          send: roleList("send to the room"),
          history: roleList("get the room's history when rejoining with `since`"),
        },
      },
    },
    direct: {
      type: "array",
      default: [{ from: ["*"], to: ["*"] }],
      description:
        "Mail to a user is allowed if any entry lets the sender's roles write to the recipient.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["from", "to"],
        description: "A sender's roles and the recipients they may write to.",
        properties: {
          from: roleList("send"),
          to: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description:
              "Recipients: `*`, `self`, `user:<glob>`, `role:<role>` (recipient's known roles), `claim:<name>` (the id, or ids, in the sender's claim).",
          },
        },
      },
    },
    broadcast: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["admin"],
      description: "Roles that may broadcast to everyone connected; `*` for anyone.",
    },
  },
};

const chat: SchemaNode = {
  type: "object",
  description:
    "Chat mode, as the Broadcast Server: one room everyone joins, unique display names, text clients.",
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: "boolean",
      default: false,
      description:
        "Every session joins `chat.room`; anonymous names from `?username=` are made unique (`john`, `john-2`); text that is not a JSON object is said in the room; clients that do not offer the `postoffice.v1` subprotocol get text lines (`john: hi`, `Server: john has joined the chat`).",
    },
    room: {
      type: "string",
      pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
      default: "chat",
      description: "The room of chat mode.",
    },
  },
};

const validation: SchemaNode = {
  type: "object",
  description: "JSON Schemas that client frames must satisfy, compiled once at start.",
  additionalProperties: false,
  default: {},
  properties: {
    message: {
      type: "object",
      userSchema: true,
      description:
        "A JSON Schema (draft-07) for the `data` of `message` frames, `to` included. A violation is refused with `schema_violation` and the JSON pointer of the first failure.",
    },
  },
};

const metrics: SchemaNode = {
  type: "object",
  description: "Prometheus metrics.",
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: "boolean",
      default: true,
      description: "Expose Prometheus metrics over HTTP.",
    },
    processMetrics: {
      type: "boolean",
      default: true,
      description: "Include Node.js process metrics (CPU, memory, event-loop lag).",
    },
  },
};

const log: SchemaNode = {
  type: "object",
  description: "Logging.",
  additionalProperties: false,
  default: {},
  properties: {
    level: {
      type: "string",
      enum: logLevels,
      default: "info",
      description: "Least severe level written.",
    },
    format: {
      type: "string",
      enum: ["auto", "json", "pretty"],
      default: "auto",
      description: "`auto` = human-readable on a terminal, JSON otherwise.",
    },
  },
};

const preset: SchemaNode = {
  type: "string",
  enum: ["none", "chat"],
  default: "none",
  description:
    "`chat`: the Broadcast Server's limits (512-byte frames, 5 messages per second); any key you set still wins.",
};

export const configSchema: SchemaNode = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  description: "Postoffice configuration (postoffice.yaml).",
  additionalProperties: false,
  properties: {
    preset,
    server,
    auth,
    mailbox,
    limits,
    rooms,
    permissions,
    chat,
    validation,
    metrics,
    log,
  },
};

/** The schema node at a key path such as ["server", "port"]; array items are entered by index. */
export function schemaNodeAt(path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = configSchema;
  for (const key of path) {
    if (node === undefined) return undefined;
    node = node.type === "array" ? node.items : node.properties?.[key];
  }
  return node;
}

/** What a node accepts, in words: "integer between 1 and 65535". */
export function describeExpected(node: SchemaNode): string {
  if (node.enum !== undefined)
    return `one of ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  switch (node.type) {
    case "integer":
      return describeRange(node.minimum, node.maximum);
    case "string":
      if (node.pattern !== undefined)
        return patternMeanings[node.pattern] ?? `string matching ${node.pattern}`;
      if (node.minLength === 1) return "non-empty string";
      return node.minLength === undefined
        ? "string"
        : `string of at least ${node.minLength} characters`;
    case "boolean":
      return "boolean (true or false)";
    case "array":
      return node.items === undefined
        ? "list"
        : `list (each item: ${describeExpected(node.items)})`;
    case "object":
      return node.userSchema ? "a JSON Schema object" : "mapping of keys to values";
  }
}

/** What the key at `path` accepts, in words; "a valid value" where the schema has no such key. */
export function describeExpectedAt(path: readonly string[]): string {
  const node = schemaNodeAt(path);
  return node === undefined ? "a valid value" : describeExpected(node);
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `integer between ${min} and ${max}`;
  if (min !== undefined) return `integer of at least ${min}`;
  if (max !== undefined) return `integer of at most ${max}`;
  return "integer";
}
