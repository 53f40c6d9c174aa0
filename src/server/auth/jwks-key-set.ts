import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { AuthError } from "./authenticator.js";
import { boundedText, describeFetchFailure, discardBody } from "./fetch-text.js";
import { algorithmsForKey } from "./jwt-algorithms.js";
import { createTokenVerifier, type VerificationPolicy, type VerifyToken } from "./jwt-verifier.js";

/** How often, how long and how much a key set is fetched. */
export interface JwksLimits {
  /** One deadline per fetch: connecting, the headers and the body. */
  timeoutMs: number;
  /** A longer key set is refused as soon as it goes past (`auth_unavailable`). */
  maxBytes: number;
  /** Keys fetched longer ago than this are fetched again before they are used. */
  maxAgeMs: number;
  /** A token naming a key the set lacks fetches the set again at most once per this. */
  cooldownMs: number;
  /** After a failed fetch, tokens that need one are refused at once for this long. */
  failureBackoffMs: number;
}

/** The cooldown, lifetime and deadline are jose's defaults, which this replaces. */
export const DEFAULT_JWKS_LIMITS: JwksLimits = {
  timeoutMs: 5_000,
  // Large sets with certificate chains are tens of KB; a megabyte answer is a fault.
  maxBytes: 256 * 1024,
  maxAgeMs: 10 * 60_000,
  cooldownMs: 30_000,
  failureBackoffMs: 1_000,
};

/** Past this share of `maxAgeMs`, a lookup fetches the set again in the background. */
const REFRESH_AHEAD = 0.8;

/** The answer to "which key verifies this token", without waiting. */
export type KeyLookup =
  | { kind: "found"; verify: VerifyToken }
  /** The set cannot say yet: it must be fetched (first use, too old, or a key it lacks). */
  | { kind: "load" }
  | { kind: "missing"; why: string };

interface SetKey {
  kid: string | undefined;
  algorithms: readonly string[];
  /** What the key is; the same kid, algorithms and PEM keep their verifier (and its cache). */
  pem: string;
  verify?: VerifyToken;
}

/**
 * The keys of a JSON Web Key Set URL, each with its own synchronous verifier, so that a token
 * whose key is known is checked without a promise. Keys live at most `maxAgeMs`; a token
 * naming a key the set lacks fetches it again at most once per `cooldownMs`; one fetch at a
 * time, bounded in time and size; a failed fetch is `auth_unavailable`. A key that leaves the
 * set leaves with its verifier, and so with every verdict cached for its tokens [AUTH-6].
 */
export class RemoteKeySet {
  readonly #url: URL;
  readonly #algorithms: readonly string[];
  readonly #policy: VerificationPolicy;
  readonly #limits: JwksLimits;
  readonly #clock: () => number;
  readonly #closed = new AbortController();
  #keys: readonly SetKey[] = [];
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;
  #failure: { at: number; error: AuthError } | undefined;

  constructor(
    url: URL,
    algorithms: readonly string[],
    policy: VerificationPolicy,
    limits: JwksLimits = DEFAULT_JWKS_LIMITS,
    clock: () => number = () => performance.now(),
  ) {
    this.#url = url;
    this.#algorithms = algorithms;
    this.#policy = policy;
    this.#limits = limits;
    this.#clock = clock;
  }

  /** The key for a token's `alg` (already checked) and `kid`, from the keys in memory. */
  find(alg: string, kid: string | undefined): KeyLookup {
    const age = this.#clock() - this.#fetchedAt;
    if (age >= this.#limits.maxAgeMs) return { kind: "load" };
    if (age >= this.#limits.maxAgeMs * REFRESH_AHEAD) this.#refreshAhead();
    const matches = this.#keys.filter(
      (key) => (kid === undefined || key.kid === kid) && key.algorithms.includes(alg),
    );
    const [only] = matches;
    if (only !== undefined && matches.length === 1) {
      only.verify ??= createTokenVerifier(only.pem, only.algorithms, this.#policy);
      return { kind: "found", verify: only.verify };
    }
    if (matches.length > 1) {
      return {
        kind: "missing",
        why: `several keys of the JWKS can verify ${alg}; the JWT names none`,
      };
    }
    if (age >= this.#limits.cooldownMs) return { kind: "load" };
    return {
      kind: "missing",
      why: `no key of the JWKS matches the JWT (kid ${kid ?? "none"}, ${alg})`,
    };
  }

  /**
   * Fetches the set; concurrent callers share one fetch. Rejects with `auth_unavailable` when
   * it fails, and at once, without fetching, within `failureBackoffMs` of a failure.
   */
  load(): Promise<void> {
    if (this.#pending !== undefined) return this.#pending;
    const failure = this.#failure;
    const sinceFailure =
      failure === undefined ? Number.POSITIVE_INFINITY : this.#clock() - failure.at;
    if (failure !== undefined && sinceFailure < this.#limits.failureBackoffMs) {
      const retryAfterMs = Math.ceil(this.#limits.failureBackoffMs - sinceFailure);
      return Promise.reject(
        new AuthError("auth_unavailable", failure.error.message, {
          cause: failure.error,
          retryAfterMs,
        }),
      );
    }
    const pending = this.#fetch().then(
      (keys) => {
        this.#keys = keys;
        this.#fetchedAt = this.#clock();
        this.#failure = undefined;
      },
      (error: unknown) => {
        const refusal =
          error instanceof AuthError
            ? error
            : new AuthError("auth_unavailable", "the JWKS cannot be read", { cause: error });
        this.#failure = { at: this.#clock(), error: refusal };
        throw refusal;
      },
    );
    this.#pending = pending.finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Aborts a fetch in flight, so that a closing server does not wait for its deadline. */
  close(): void {
    this.#closed.abort();
  }

  #refreshAhead(): void {
    if (this.#pending !== undefined) return;
    const failure = this.#failure;
    if (failure !== undefined && this.#clock() - failure.at < this.#limits.failureBackoffMs) return;
    this.load().catch(() => {
      // Kept in #failure: if the set is still not fetched when its keys expire, the tokens
      // that need it are refused as `auth_unavailable`, and that is logged.
    });
  }

  async #fetch(): Promise<readonly SetKey[]> {
    const { timeoutMs, maxBytes } = this.#limits;
    let text: string;
    try {
      const response = await fetch(this.#url, {
        headers: { accept: "application/json, application/jwk-set+json" },
        // Keys are trusted for where they come from: a redirect elsewhere is refused.
        redirect: "error",
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closed.signal]),
      });
      if (response.status !== 200) {
        await discardBody(response);
        throw new AuthError("auth_unavailable", `the JWKS answered ${response.status}`);
      }
      text = await boundedText(
        response,
        maxBytes,
        () => new AuthError("auth_unavailable", `the JWKS is longer than ${maxBytes} bytes`),
      );
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      throw new AuthError(
        "auth_unavailable",
        `the JWKS cannot be fetched: ${describeFetchFailure(cause)}`,
        {
          cause,
        },
      );
    }
    return this.#keysOf(text);
  }

  #keysOf(text: string): readonly SetKey[] {
    let set: unknown;
    try {
      set = JSON.parse(text);
    } catch (cause) {
      throw new AuthError("auth_unavailable", "the JWKS is not JSON", { cause });
    }
    const keys = isObject(set) ? set.keys : undefined;
    if (!Array.isArray(keys)) {
      throw new AuthError("auth_unavailable", "the JWKS has no keys array");
    }
    return keys.flatMap((jwk: unknown) => {
      const key = this.#keyOf(jwk);
      return key === undefined ? [] : [key];
    });
  }

  /**
   * A member of the set as a key, or undefined for one that cannot verify the accepted
   * algorithms: not for signatures, a shared secret, a private key, a weak or unknown key.
   * Such a member is left out, as if it were not there: tokens naming it are refused.
   */
  #keyOf(jwk: unknown): SetKey | undefined {
    if (!isObject(jwk)) return undefined;
    const { kid, alg, use, key_ops: operations, kty, d } = jwk;
    if (use !== undefined && use !== "sig") return undefined;
    if (operations !== undefined && !(Array.isArray(operations) && operations.includes("verify"))) {
      return undefined;
    }
    if (kty === "oct" || d !== undefined) return undefined;
    if (kid !== undefined && typeof kid !== "string") return undefined;
    const keyObject = publicKeyOf(jwk);
    if (keyObject === undefined) return undefined;
    const algorithms = usableAlgorithms(keyObject).filter(
      (candidate) =>
        this.#algorithms.includes(candidate) && (alg === undefined || candidate === alg),
    );
    if (algorithms.length === 0) return undefined;
    const pem = keyObject.export({ type: "spki", format: "pem" }).toString();
    const known = this.#keys.find(
      (key) => key.kid === kid && key.pem === pem && key.algorithms.join() === algorithms.join(),
    );
    return known ?? { kid, algorithms, pem };
  }
}

function publicKeyOf(jwk: Record<string, unknown>): KeyObject | undefined {
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch {
    // A member node:crypto cannot import (an unknown kty or curve, bad numbers) is left out.
    return undefined;
  }
}

function usableAlgorithms(key: KeyObject): readonly string[] {
  try {
    return algorithmsForKey(key, "auth.jwt.jwksUrl");
  } catch {
    // An RSA key under 2048 bits or an unsupported curve: never trusted.
    return [];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
