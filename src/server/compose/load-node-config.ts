import { ANY_CLAIMED_USER } from "../auth/claimed-id.js";
import { ConfigError } from "../config/config-error.js";
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from "../config/load-config.js";
import { claimsIds } from "../dialects/registry.js";
import { parseRange } from "../gateway/metrics-access.js";
import { parsePattern } from "../gateway/origin-policy.js";
import { Permissions } from "../rules/permissions.js";
import { MemoryRoleDirectory } from "../rules/role-directory.js";
import { defaultDialect } from "./default-dialect.js";
import { checkEventRules } from "./event-rules.js";

/**
 * The configuration as `postoffice start` takes it: loaded and checked by config/, which
 * knows shapes only, then checked here by the components that give some values their meaning
 * (the permission rules, the origin policy, the dialects, the declared events), each built once the way the
 * node will build it. A value they refuse stops the start like a schema error: at its key, with
 * what was expected and who set it (exit 78 in the CLI). The events list every problem they
 * have, each with its line (EventRulesError), as `postoffice check` prints them.
 */
export async function loadNodeConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const loaded = await loadConfig(options);
  checkPermissions(loaded);
  checkOrigins(loaded);
  checkMetricsAllowFrom(loaded);
  checkClaimedIdTokens(loaded);
  await checkEventRules(loaded);
  return loaded;
}

/**
 * A static token for `*` grants whatever id the client claims: only an endpoint whose dialect
 * claims ids can give it one (registry.ts). Elsewhere it would grant nobody, or, if it ever
 * did, anybody: it is refused where it is written, with the endpoints it would serve.
 */
function checkClaimedIdTokens({ config, sources }: LoadedConfig): void {
  const served = [
    {
      auth: config.auth,
      pointer: "/auth",
      path: config.server.path,
      dialect: defaultDialect(config),
    },
    ...config.endpoints.map(({ auth, path, dialect }, index) =>
      auth === undefined
        ? { auth: config.auth, pointer: "/auth", path, dialect }
        : { auth, pointer: `/endpoints/${index}/auth`, path, dialect },
    ),
  ];
  for (const { auth, pointer, path, dialect } of served) {
    if (claimsIds(dialect)) continue;
    const index = auth.tokens.findIndex((entry) => entry.user === ANY_CLAIMED_USER);
    if (index < 0) continue;
    const at = `${pointer}/tokens/${index}/user`;
    const where = pointer === "/auth" ? "give that endpoint its own endpoints[].auth" : "remove it";
    throw ConfigError.at(
      at,
      `"*" stands for the id a client claims when it connects, but ${path} speaks ${dialect}, whose clients claim none: ${where}`,
      {
        expected:
          "a user id, or * only for endpoints whose dialect claims ids (messagetransfer, amqpchat, gopostoffice)",
        source: sources.describe(at),
      },
    );
  }
}

/**
 * What the schema cannot say about `permissions` (the `to` target forms, an entry after a
 * catch-all) is checked by compiling them as the node will, so a bad rule stops the start
 * instead of refusing (or allowing) the first frame it meets.
 */
function checkPermissions({ config, sources }: LoadedConfig): void {
  try {
    new Permissions(config.permissions, new MemoryRoleDirectory());
  } catch (error) {
    if (error instanceof ConfigError && error.path !== undefined) {
      // Permissions names the key at fault; only the sources know who set it.
      const source = sources.describe(error.path);
      const from = source === undefined ? "" : ` (from ${source})`;
      throw new ConfigError(`${error.message}${from}`, {
        path: error.path,
        expected: error.expected,
        source,
        cause: error,
      });
    }
    throw ConfigError.at("/permissions", `cannot be used: ${(error as Error).message}`, {
      source: sources.describe("/permissions"),
      cause: error,
    });
  }
}

/**
 * Each allowed origin must parse as the gateway parses it, so a typo does not silently refuse
 * (or admit) a site. The schema's pattern catches the usual slips; this, the rest.
 */
function checkOrigins({ config, sources }: LoadedConfig): void {
  config.server.allowedOrigins.forEach((entry, index) => {
    try {
      parsePattern(entry);
    } catch (error) {
      const pointer = `/server/allowedOrigins/${index}`;
      throw ConfigError.at(pointer, (error as Error).message, {
        expected: "scheme://host[:port] or scheme://*.host[:port]",
        source: sources.describe(pointer),
        cause: error,
      });
    }
  });
}

/**
 * Each `metrics.allowFrom` entry must parse as the gateway parses it (`10.0.0.0/40`, `300.1.1.1`
 * pass the schema's pattern): a slip would refuse every scrape, or start a node that cannot.
 */
function checkMetricsAllowFrom({ config, sources }: LoadedConfig): void {
  config.metrics.allowFrom.forEach((entry, index) => {
    try {
      parseRange(entry);
    } catch (error) {
      const pointer = `/metrics/allowFrom/${index}`;
      throw ConfigError.at(pointer, (error as Error).message, {
        expected: "an IP address or a CIDR range, such as 10.0.0.0/8 or fd00::/8",
        source: sources.describe(pointer),
        cause: error,
      });
    }
  });
}
