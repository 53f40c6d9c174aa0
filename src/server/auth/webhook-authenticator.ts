import { createHash } from "node:crypto";
import { AuthError, type Authenticator, type Credentials } from "./authenticator.js";
import type { Identity } from "./identity.js";
import { rolesFrom } from "./jwt-authenticator.js";

export interface WebhookAuthenticatorOptions {
  /** Endpoint that receives `{"token": ...}`. */
  url: string;
  /** A call slower than this fails as `auth_unavailable`. */
  timeoutMs: number;
  /** How long a successful answer is reused for the same token; 0 = never. */
  cacheTtlMs: number;
  /** Most cached answers kept; past it the oldest is dropped. */
  maxCacheEntries?: number;
}

interface CachedIdentity {
  identity: Identity;
  expiresAt: number;
}

/**
 * Asks an HTTP endpoint of the operator whether a token is good: POST `{"token": ...}`.
 * 200 with `{"user"|"userId"|"sub", "roles"?, "claims"?}` accepts; 401/403 refuses
 * (`token_rejected`); anything else (timeout, network, other status, bad JSON) is
 * `auth_unavailable`, because the endpoint, not the client, is at fault.
 */
export class WebhookAuthenticator implements Authenticator {
  readonly #options: WebhookAuthenticatorOptions;
  // Keyed by the token's digest so that a heap dump does not hold the tokens themselves.
  readonly #cache = new Map<string, CachedIdentity>();

  constructor(options: WebhookAuthenticatorOptions) {
    if (!URL.canParse(options.url)) {
      throw new Error(`auth.webhook.url: not a URL: ${options.url}`);
    }
    this.#options = options;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const ttl = this.#options.cacheTtlMs;
    const digest = ttl > 0 ? sha256(credentials.token) : "";
    if (ttl > 0) {
      const cached = this.#cache.get(digest);
      if (cached !== undefined && cached.expiresAt > Date.now()) return copy(cached.identity);
      this.#cache.delete(digest);
    }
    const identity = await this.#ask(credentials.token);
    if (ttl > 0) this.#remember(digest, identity, ttl);
    return copy(identity);
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }

  async #ask(token: string): Promise<Identity> {
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(this.#options.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ token }),
        // A redirected POST may be replayed as a GET without the token; refuse to guess.
        redirect: "error",
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      if (response.status !== 200) {
        await discardBody(response);
        return refusal(response.status);
      }
      body = await response.json();
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      throw new AuthError("auth_unavailable", `auth webhook failed: ${describe(cause)}`, { cause });
    }
    return identityFrom(body);
  }

  #remember(digest: string, identity: Identity, ttl: number): void {
    const max = this.#options.maxCacheEntries ?? 10_000;
    while (this.#cache.size >= max) {
      // Maps iterate in insertion order, so the first key is the oldest answer.
      const oldest = this.#cache.keys().next();
      if (oldest.done) break;
      this.#cache.delete(oldest.value);
    }
    this.#cache.set(digest, { identity, expiresAt: Date.now() + ttl });
  }
}

function refusal(status: number): never {
  if (status === 401 || status === 403) {
    throw new AuthError("token_rejected", `the auth webhook refused the token (${status})`);
  }
  throw new AuthError("auth_unavailable", `the auth webhook answered ${status}`);
}

function identityFrom(body: unknown): Identity {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AuthError("auth_unavailable", "the auth webhook answered 200 without a JSON object");
  }
  const answer = body as Record<string, unknown>;
  const userId = [answer.user, answer.userId, answer.sub].find(
    (value): value is string => typeof value === "string" && value !== "",
  );
  if (userId === undefined) {
    throw new AuthError("token_user_missing", "the auth webhook answer has no user, userId or sub");
  }
  const claims = answer.claims;
  return {
    userId,
    roles: rolesFrom(answer.roles),
    claims:
      typeof claims === "object" && claims !== null && !Array.isArray(claims)
        ? { ...(claims as Record<string, unknown>) }
        : {},
    anonymous: false,
  };
}

// Cached identities are shared; callers get their own arrays so one cannot edit another's roles.
function copy(identity: Identity): Identity {
  return { ...identity, roles: [...identity.roles], claims: { ...identity.claims } };
}

async function discardBody(response: Response): Promise<void> {
  // Frees the connection for reuse. The status has already decided the answer, so a body
  // that fails to drain changes nothing for the caller.
  await response.body?.cancel().catch(() => undefined);
}

function describe(cause: unknown): string {
  if (cause instanceof Error && cause.name === "TimeoutError") return "timed out";
  if (!(cause instanceof Error)) return String(cause);
  // undici says only "fetch failed"; the reason (ECONNREFUSED, ...) is one level down.
  return cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
