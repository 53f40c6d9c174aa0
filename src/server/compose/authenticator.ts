import { readFile } from "node:fs/promises";
import type { AuthWarnings } from "../auth/auth-warnings.js";
import type { Authenticator } from "../auth/authenticator.js";
import { ChainAuthenticator } from "../auth/chain-authenticator.js";
import { ANY_CLAIMED_USER } from "../auth/claimed-id.js";
import { loadOrCreateDevSecret } from "../auth/dev-secret.js";
import { JwtAuthenticator, type JwtAuthenticatorOptions } from "../auth/jwt-authenticator.js";
import { LoggedAuthenticator } from "../auth/logged-authenticator.js";
import { type StaticToken, StaticTokenAuthenticator } from "../auth/static-token-authenticator.js";
import {
  WebhookAuthenticator,
  type WebhookAuthenticatorOptions,
} from "../auth/webhook-authenticator.js";
import type { AuthConfig, JwtConfig, StaticTokenConfig, WebhookConfig } from "../config/config.js";
import { LogThrottle, type ThrottledLog } from "../log/log-throttle.js";

/** The log levels wiring and its throttle need; a pino logger fits. */
export interface AuthLog extends ThrottledLog {
  info(obj: object, msg: string): void;
}

export interface BuiltAuthenticator {
  authenticator: Authenticator;
  /**
   * The JWT authenticator alone (configured keys, or the development secret), for what checks
   * a second token with the same settings (the events' `secure` modifier); undefined without.
   */
  jwt?: Authenticator;
  /** Set when no authentication was configured and the development secret is in use. */
  devSecretPath?: string;
}

/**
 * Wires the configured authenticators into one chain: static tokens, then JWT, then the
 * webhook (the only one that costs a network round trip). With nothing configured and
 * anonymous mode off, HS256 tokens signed with a generated secret in the data directory are
 * accepted, so that zero configuration is still an authenticated server.
 *
 * Everything a client's handshake can make an authenticator log goes through one throttle
 * [LIMIT-4]: a webhook or JWKS outage is one line per 10 seconds, not one per handshake.
 */
export async function buildAuthenticator(
  auth: AuthConfig,
  dataDir: string,
  log: AuthLog,
): Promise<BuiltAuthenticator> {
  const warnings = new LogThrottle(log);
  const logged = (kind: string, authenticator: Authenticator): Authenticator =>
    new LoggedAuthenticator(kind, authenticator, warnings);
  if (usesDevSecret(auth)) {
    const dev = await loadOrCreateDevSecret(dataDir);
    // Claim settings from a key-less `auth.jwt` block still apply to development tokens.
    const authenticator = new JwtAuthenticator({
      ...claimOptions(auth.jwt),
      secret: dev.secret,
      algorithms: ["HS256"],
    });
    log.warn(
      { secretPath: dev.path, created: dev.created },
      `no authentication configured: accepting HS256 JWTs signed with the development secret in ${dev.path}; mint one with \`postoffice token --sub alice\``,
    );
    return {
      authenticator: new ChainAuthenticator([logged("jwt", authenticator)]),
      jwt: authenticator,
      devSecretPath: dev.path,
    };
  }

  const chain: Authenticator[] = [];
  const kinds: string[] = [];
  if (auth.tokens.length > 0) {
    chain.push(logged("static", new StaticTokenAuthenticator(auth.tokens.map(staticToken))));
    kinds.push("static");
    if (auth.tokens.some((entry) => entry.user === ANY_CLAIMED_USER)) {
      log.warn(
        {},
        'a static token for "*" is configured: whoever knows it may connect as any id they claim. Fine for a migration or a closed network; give each client its own token or a JWT otherwise',
      );
    }
  }
  let jwt: Authenticator | undefined;
  if (auth.jwt !== undefined && hasKey(auth.jwt)) {
    jwt = new JwtAuthenticator(await jwtOptions(auth.jwt));
    chain.push(logged("jwt", jwt));
    kinds.push("jwt");
  }
  if (auth.webhook !== undefined) {
    chain.push(logged("webhook", new WebhookAuthenticator(webhookOptions(auth.webhook, warnings))));
    kinds.push("webhook");
  }
  if (chain.length === 0) {
    // Anonymous mode: every token is unknown, so only anonymous sessions get in; the gateway
    // says so loudly.
    log.info({ authenticators: [] }, "no authentication configured: anonymous sessions only");
    return { authenticator: new ChainAuthenticator([]) };
  }
  if (auth.jwt !== undefined && !hasKey(auth.jwt)) {
    log.warn({}, "auth.jwt has no secret, publicKey, publicKeyFile or jwksUrl: JWT is off");
  }
  log.info({ authenticators: kinds }, "authentication configured");
  return { authenticator: new ChainAuthenticator(chain), ...(jwt === undefined ? {} : { jwt }) };
}

/** Whether a node with this configuration accepts tokens signed with the development secret. */
export function usesDevSecret(auth: AuthConfig): boolean {
  const configured =
    auth.tokens.length > 0 ||
    (auth.jwt !== undefined && hasKey(auth.jwt)) ||
    auth.webhook !== undefined;
  return !configured && !auth.anonymous.enabled;
}

/** Whether `auth.jwt` has a key to check tokens with. */
export function hasKey(jwt: JwtConfig): boolean {
  return Boolean(jwt.secret || jwt.publicKey || jwt.publicKeyFile || jwt.jwksUrl);
}

// Each authenticator owns its option type; these map the configuration's sections onto them.

function staticToken({ token, user, roles }: StaticTokenConfig): StaticToken {
  return { token, user, roles };
}

function webhookOptions(
  webhook: WebhookConfig,
  warnings: AuthWarnings,
): WebhookAuthenticatorOptions {
  const { url, timeoutMs, cacheTtlMs, refusalCacheTtlMs, maxBodyBytes, maxConcurrent } = webhook;
  const { maxQueued, circuitFailures, circuitCooldownMs, addressBudget, addressWindowMs } = webhook;
  return {
    url,
    timeoutMs,
    cacheTtlMs,
    refusalCacheTtlMs,
    maxBodyBytes,
    maxConcurrent,
    maxQueued,
    circuitFailures,
    circuitCooldownMs,
    addressBudget,
    addressWindowMs,
    warnings,
  };
}

/** What a token must claim, and where its identity is: also applies to development tokens. */
function claimOptions(jwt: JwtConfig | undefined): JwtAuthenticatorOptions {
  if (jwt === undefined) return {};
  const { issuer, audience, userClaim, rolesClaim, clockToleranceSec } = jwt;
  return { issuer, audience, userClaim, rolesClaim, clockToleranceSec };
}

/** The configured key, with `publicKeyFile` read: the authenticator takes keys, not paths. */
async function jwtOptions(jwt: JwtConfig): Promise<JwtAuthenticatorOptions> {
  const { secret, publicKey, publicKeyFile, jwksUrl, algorithms } = jwt;
  const options = { ...claimOptions(jwt), secret, publicKey, jwksUrl, algorithms };
  if (publicKeyFile === undefined || publicKeyFile === "") return options;
  if (publicKey) {
    throw new Error("auth.jwt: set publicKey or publicKeyFile, not both");
  }
  try {
    return { ...options, publicKey: await readFile(publicKeyFile, "utf8") };
  } catch (cause) {
    throw new Error(`auth.jwt.publicKeyFile: cannot read ${publicKeyFile}`, { cause });
  }
}
