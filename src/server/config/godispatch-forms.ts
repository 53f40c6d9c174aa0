import type { AuthConfig, Config } from "./config.js";
import { ConfigError } from "./config-error.js";
import type { ConfigSources } from "./config-sources.js";

/**
 * GoDispatch's top-level `permissions:` shares its name with Postoffice's but not its shape:
 * a list of the permission names a token's `perms` claim may carry, or (as its config.yaml
 * ends) no value at all. A file's list is read as Postoffice's `permissions: {names: [...]}`,
 * and a key with no value as nothing, so that GoDispatch's file loads unchanged; Postoffice's
 * own mapping is left as it is. Only here: elsewhere a key without a value is a mistake the
 * schema reports, not a default silently kept.
 */
export function readGoDispatchForms(file: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(file, "permissions")) return file;
  const { permissions, ...rest } = file;
  if (permissions === null) return rest;
  if (Array.isArray(permissions)) return { ...rest, permissions: { names: permissions } };
  return file;
}

/**
 * GoDispatch's JWT secret (`godispatch.jwtSecret`, its GODISPATCH_SERVER_AUTH_JWTSECRET) as the
 * key of the `auth.jwt` that serves its endpoints: `auth` for `server.path` and the endpoints
 * without their own, or the endpoint's own `auth`. Made here, once, so that every reader of
 * `auth` (the node, `postoffice token`, `config`, `check`) sees the same authenticators. A node
 * with no godispatch endpoint leaves it unused: a seed's `.env` beside it grants nothing.
 */
export function applyGoDispatchSecret(config: Config, sources: ConfigSources): void {
  const secret = config.godispatch?.jwtSecret;
  if (secret === undefined) return;
  const served: Array<{ auth: Pick<AuthConfig, "jwt">; pointer: string }> = [];
  if (!config.chat.enabled && config.server.dialect === "godispatch") {
    served.push({ auth: config.auth, pointer: "/auth" });
  }
  config.endpoints.forEach(({ dialect, auth }, index) => {
    if (dialect !== "godispatch") return;
    served.push(
      auth === undefined
        ? { auth: config.auth, pointer: "/auth" }
        : { auth, pointer: `/endpoints/${index}/auth` },
    );
  });
  for (const { auth, pointer } of served) {
    const jwt = auth.jwt;
    if (jwt?.secret === secret) continue;
    if (jwt !== undefined && (jwt.secret || jwt.publicKey || jwt.publicKeyFile || jwt.jwksUrl)) {
      throw ConfigError.at(
        "/godispatch/jwtSecret",
        `${pointer}/jwt has a key of its own, which serves a godispatch endpoint too: set one of them`,
        { source: sources.describe("/godispatch/jwtSecret") },
      );
    }
    auth.jwt = {
      userClaim: "sub",
      rolesClaim: "roles",
      clockToleranceSec: 5,
      algorithms: ["HS256"],
      ...jwt,
      secret,
    };
  }
}
