import { compileUserSchema } from "./compile-user-schema.js";
import type { Config, JwtConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import type { ConfigSources } from "./config-sources.js";
import { isLoopback } from "./loopback.js";
import { describeExpectedAt } from "./schema.js";

/**
 * What the schema cannot say because it spans keys: run after it, before anything is built.
 * Each check throws a ConfigError naming the key at fault, what would do, and who set it.
 */
export function checkAcrossKeys(config: Config, sources: ConfigSources): void {
  checkAnonymous(config, sources);
  checkJwt(config.auth.jwt, sources);
  config.endpoints.forEach(({ auth }, index) => {
    checkJwt(auth?.jwt, sources, `/endpoints/${index}/auth/jwt`);
  });
  checkLimits(config, sources);
  checkUserSchemas(config, sources);
  checkTopology(config, sources);
  checkApiKeys(config, sources);
  checkEndpoints(config, sources);
  checkRecipients(config, sources);
}

/**
 * `mailbox.recipientList` is the list of `recipients: list`, and `recipientWebhook` the
 * webhook of `recipients: webhook`: one without the other is a slip.
 */
function checkRecipients(config: Config, sources: ConfigSources): void {
  const { recipients, recipientList, recipientWebhook } = config.mailbox;
  if (recipients === "webhook" && recipientWebhook === undefined) {
    throw ConfigError.at(
      "/mailbox/recipientWebhook",
      'is missing, but mailbox.recipients is "webhook": no endpoint to ask whether a recipient exists',
      {
        expected: "a section with the endpoint's url",
        source: sources.describe("/mailbox/recipients"),
      },
    );
  }
  if (recipients !== "webhook" && recipientWebhook !== undefined) {
    throw ConfigError.at(
      "/mailbox/recipientWebhook",
      `is set, but mailbox.recipients is "${recipients}", which does not ask it: set mailbox.recipients: webhook, or remove the section`,
      {
        expected: 'no section unless mailbox.recipients is "webhook"',
        source: sources.describe("/mailbox/recipientWebhook/url"),
      },
    );
  }
  if (recipients === "list" && recipientList.length === 0) {
    throw ConfigError.at(
      "/mailbox/recipientList",
      'is empty, but mailbox.recipients is "list": no mail could be sent to anyone else',
      {
        expected: "the user ids mail may be sent to",
        source: sources.describe("/mailbox/recipients"),
      },
    );
  }
  if (recipients !== "list" && recipientList.length > 0) {
    throw ConfigError.at(
      "/mailbox/recipientList",
      `names users, but mailbox.recipients is "${recipients}", which does not read it: set mailbox.recipients: list, or remove the list`,
      {
        expected: '[] unless mailbox.recipients is "list"',
        source: sources.describe("/mailbox/recipientList"),
      },
    );
  }
}

function checkAnonymous(config: Config, sources: ConfigSources): void {
  const { enabled, allowNonLoopback } = config.auth.anonymous;
  const host = config.server.host;
  if (!enabled || allowNonLoopback || isLoopback(host)) return;
  const hostSource = sources.describe("/server/host") ?? "the default";
  throw ConfigError.at(
    "/auth/anonymous/enabled",
    `anonymous mode lets anyone connect as any user, so it only binds a loopback host, but server.host is ${JSON.stringify(host)} (from ${hostSource}). ` +
      "Bind 127.0.0.1 (server.host, POSTOFFICE_HOST or --host 127.0.0.1), or set auth.anonymous.allowNonLoopback: true " +
      "if everyone who can reach this address may act as any user",
    {
      expected:
        "a loopback server.host (127.0.0.0/8, ::1, localhost) or auth.anonymous.allowNonLoopback: true",
      source: sources.describe("/auth/anonymous/enabled"),
    },
  );
}

const jwtKeys = ["secret", "publicKey", "publicKeyFile", "jwksUrl"] as const;

function checkJwt(jwt: JwtConfig | undefined, sources: ConfigSources, at = "/auth/jwt"): void {
  if (jwt === undefined) return;
  const keys = jwtKeys.filter((key) => jwt[key] !== undefined);
  const expected = `exactly one of ${jwtKeys.join(", ")}`;
  const [first, second] = keys;
  if (first === undefined) {
    throw ConfigError.at(at, `no key to verify tokens with: set ${expected}`, {
      expected,
      source: sources.describe(at),
    });
  }
  if (second !== undefined) {
    throw ConfigError.at(
      `${at}/${second}`,
      `${keys.join(" and ")} are all set; which one verifies a token would be a guess: keep ${expected}`,
      { expected, source: sources.describe(`${at}/${second}`) },
    );
  }
  // An HMAC algorithm with a public key is the classic algorithm-confusion attack: the public
  // key, known to everyone, would become the signing secret.
  const symmetric = first === "secret";
  const misfit = jwt.algorithms?.find((alg) => alg.startsWith("HS") !== symmetric);
  if (misfit !== undefined) {
    const allowed = symmetric ? "HS256, HS384, HS512" : "RS*, PS* or ES* algorithms";
    throw ConfigError.at(
      `${at}/algorithms`,
      `${misfit} cannot be used with ${at.slice(1).replaceAll("/", ".")}.${first}, which allows ${allowed}`,
      { expected: allowed, source: sources.describe(`${at}/algorithms`) },
    );
  }
}

/**
 * A replay waits while more than half the outbound buffer is unread, then sends one entry:
 * for that never to cut a reader who keeps up, the buffer must hold a few of the largest frames.
 */
function checkLimits(config: Config, sources: ConfigSources): void {
  const { maxFrameBytes, outboundBufferBytes } = config.limits;
  if (outboundBufferBytes >= 4 * maxFrameBytes) return;
  throw ConfigError.at(
    "/limits/outboundBufferBytes",
    `must be at least 4 × limits.maxFrameBytes (${4 * maxFrameBytes}), got ${outboundBufferBytes}`,
    {
      expected: `an integer ≥ ${4 * maxFrameBytes}`,
      source: sources.describe("/limits/outboundBufferBytes"),
    },
  );
}

/** An operator's JSON Schema is compiled now: a broken one stops the start, not the first frame. */
function checkUserSchemas(config: Config, sources: ConfigSources): void {
  const schema = config.validation.message;
  if (schema === undefined) return;
  try {
    compileUserSchema(schema);
  } catch (error) {
    const expected = describeExpectedAt(["validation", "message"]);
    throw ConfigError.at(
      "/validation/message",
      `not a valid JSON Schema (ajv: ${(error as Error).message})`,
      { expected, source: sources.describe("/validation/message"), cause: error },
    );
  }
}

/**
 * Which backends may go together [NET-1]. Nodes that share a broker must share mailboxes:
 * with a store per node, mail accepted on one node would be numbered and kept where the
 * recipient's node cannot read it. A Redis store needs the Redis it lives in.
 */
function checkTopology(config: Config, sources: ConfigSources): void {
  const shared = config.redis.url !== "";
  const store = config.mailbox.store;
  if (shared && store !== "redis") {
    throw ConfigError.at(
      "/mailbox/store",
      `must be "redis" when redis.url is set: nodes that share a broker must share mailboxes, or mail accepted on one node is kept where the recipient's node cannot read it (got "${store}")`,
      { expected: '"redis"', source: sources.describe("/mailbox/store") ?? "the default" },
    );
  }
  if (!shared && store === "redis") {
    throw ConfigError.at("/redis/url", 'is needed by mailbox.store "redis"', {
      expected: "redis://host:port",
      source: sources.describe("/redis/url"),
    });
  }
}

/**
 * API keys: one secret names one service (two entries with the same key could not be told
 * apart), and the keys of one service (a rotation) publish with the same roles, since the
 * roles are the service's. The keys themselves are never echoed.
 */
function checkApiKeys(config: Config, sources: ConfigSources): void {
  const byKey = new Map<string, number>();
  const rolesByName = new Map<string, { index: number; roles: string }>();
  for (const [index, entry] of config.api.keys.entries()) {
    if (entry.scopes.length === 0) {
      throw ConfigError.at(`/api/keys/${index}/scopes`, "is empty: the key could do nothing", {
        expected: "at least one of publish, read, admin",
        source: sources.describe("/api/keys"),
      });
    }
    const first = byKey.get(entry.key);
    if (first !== undefined) {
      throw ConfigError.at(
        `/api/keys/${index}/key`,
        `is the same secret as api.keys[${first}].key: give each entry its own key`,
        { expected: "a key used once", source: sources.describe("/api/keys") },
      );
    }
    byKey.set(entry.key, index);
    const roles = JSON.stringify([...entry.roles].sort());
    const named = rolesByName.get(entry.name);
    if (named !== undefined && named.roles !== roles) {
      throw ConfigError.at(
        `/api/keys/${index}/roles`,
        `differs from the roles of api.keys[${named.index}], a key of the same service ${JSON.stringify(entry.name)}: a service publishes with one set of roles`,
        { expected: named.roles, source: sources.describe("/api/keys") },
      );
    }
    rolesByName.set(entry.name, { index, roles });
  }
}

/**
 * Each upgrade path picks one endpoint: `server.path` and each `endpoints[].path` once, and one
 * catch-all (`*`) at most. Chat mode is the broadcast dialect of `server.path`: it cannot also
 * speak another.
 */
function checkEndpoints(config: Config, sources: ConfigSources): void {
  const { chat, server, endpoints } = config;
  if (chat.enabled && server.dialect !== "native" && server.dialect !== "broadcast") {
    throw ConfigError.at(
      "/server/dialect",
      `chat.enabled (from ${sources.describe("/chat/enabled") ?? "the default"}) makes server.path speak the broadcast dialect, but server.dialect is "${server.dialect}": serve one of them on another path (endpoints)`,
      { expected: '"broadcast" or "native"', source: sources.describe("/server/dialect") },
    );
  }
  const taken = new Map<string, string>([[server.path, "server.path"]]);
  endpoints.forEach(({ path }, index) => {
    const holder = taken.get(path);
    if (holder === undefined) {
      taken.set(path, `endpoints[${index}].path`);
      return;
    }
    const pointer = `/endpoints/${index}/path`;
    const what = path === "*" ? "any path (`*`)" : path;
    throw ConfigError.at(pointer, `${what} is already served by ${holder}: each path once`, {
      expected: "a path no other endpoint has",
      source: sources.describe(pointer),
    });
  });
}
