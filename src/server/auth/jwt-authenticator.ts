import { createPublicKey, type KeyObject } from "node:crypto";
import { AuthError, type Authenticator, type Credentials } from "./authenticator.js";
import type { Identity } from "./identity.js";
import { DEFAULT_JWKS_LIMITS, type JwksLimits, RemoteKeySet } from "./jwks-key-set.js";
import {
  algorithmsForKey,
  HMAC_ALGORITHMS,
  JWKS_ALGORITHMS,
  pinAlgorithms,
} from "./jwt-algorithms.js";
import { readHeader } from "./jwt-header.js";
import { createTokenVerifier, type VerificationPolicy, type VerifyToken } from "./jwt-verifier.js";

/** How to verify tokens: exactly one key source, given inline (not as a file). */
export interface JwtAuthenticatorOptions {
  /** Shared secret for HS256/384/512. */
  secret?: string;
  /** PEM-encoded SPKI public key (RSA, EC, Ed25519). */
  publicKey?: string;
  /** URL of a JSON Web Key Set. */
  jwksUrl?: string;
  /** Algorithms accepted; default: what the key allows. `none` is refused. */
  algorithms?: readonly string[];
  /** Required `iss` claim, if set. */
  issuer?: string;
  /** Required `aud` claim, if set. */
  audience?: string;
  /** Claim holding the user id; default `sub`. */
  userClaim?: string;
  /** Claim holding the roles (an array, or one space-separated string); default `roles`. */
  rolesClaim?: string;
  /** Leeway for `exp` and `nbf`; default 5 seconds. */
  clockToleranceSec?: number;
  /**
   * Verdicts remembered per key, by the token's digest; 0 = none. Default 1,000 for public
   * keys, 0 for a secret: a miss costs a digest and an insertion (~4 µs), more than checking
   * an HMAC, and an RSA or EC signature costs ten times that.
   */
  cacheSize?: number;
  /** Longest a verdict is remembered; an acceptance never past its `exp`. Default 10 minutes. */
  cacheTtlMs?: number;
  /** With `jwksUrl`: deadlines, size cap, lifetime and rate of fetches of the key set. */
  jwks?: Partial<JwksLimits>;
}

// Three base64url segments; the signature may be empty so that `alg: none` is refused by name.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The HMAC key for a shared secret: its UTF-8 bytes. `postoffice token` must sign the same way. */
export function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Verifies JWTs signed with a shared secret (HS256/384/512), a PEM public key (RSA, EC,
 * Ed25519) or the keys of a JWKS URL. The accepted algorithms are pinned to what the key can
 * verify, so an HS256 token can never be checked against an RSA public key used as an HMAC
 * secret.
 *
 * Verification is synchronous (fast-jwt on node:crypto) with a bounded cache of verdicts per
 * key: `authenticateSync` answers without a promise whenever no key set has to be fetched.
 */
export class JwtAuthenticator implements Authenticator {
  readonly #algorithms: readonly string[];
  /** The one key's verifier (secret or PEM), or the key set that picks one per token. */
  readonly #keys: VerifyToken | RemoteKeySet;
  readonly #userClaim: string;
  readonly #rolesClaim: string;
  /** Verdicts are cached: a verified payload is then shared, and each identity copies it. */
  readonly #sharedPayloads: boolean;

  constructor(options: JwtAuthenticatorOptions) {
    const sources = (["secret", "publicKey", "jwksUrl"] as const).filter(
      (name) => options[name] !== undefined && options[name] !== "",
    );
    if (sources.length !== 1) {
      throw new Error(
        `auth.jwt: set exactly one of secret, publicKey (or publicKeyFile), jwksUrl; got ${sources.length === 0 ? "none" : sources.join(", ")}`,
      );
    }
    this.#userClaim = options.userClaim ?? "sub";
    this.#rolesClaim = options.rolesClaim ?? "roles";
    const policy: VerificationPolicy = {
      issuer: options.issuer,
      audience: options.audience,
      clockToleranceMs: (options.clockToleranceSec ?? 5) * 1000,
      cacheSize: options.cacheSize ?? (options.secret ? 0 : 1000),
      cacheTtlMs: options.cacheTtlMs ?? 10 * 60_000,
    };
    this.#sharedPayloads = policy.cacheSize > 0;
    if (options.secret) {
      this.#algorithms = pinAlgorithms(HMAC_ALGORITHMS, options.algorithms);
      const secret = Buffer.from(hmacKey(options.secret));
      this.#keys = createTokenVerifier(secret, this.#algorithms, policy);
    } else if (options.publicKey) {
      const key = publicKeyOf(options.publicKey);
      this.#algorithms = pinAlgorithms(
        algorithmsForKey(key, "auth.jwt.publicKey"),
        options.algorithms,
      );
      // The key as node:crypto read it, so that fast-jwt cannot read the PEM differently.
      const spki = key.export({ type: "spki", format: "pem" }).toString();
      this.#keys = createTokenVerifier(spki, this.#algorithms, policy);
    } else {
      this.#algorithms = pinAlgorithms(JWKS_ALGORITHMS, options.algorithms);
      const limits = { ...DEFAULT_JWKS_LIMITS, ...options.jwks };
      this.#keys = new RemoteKeySet(jwksUrl(options.jwksUrl), this.#algorithms, policy, limits);
    }
  }

  /** The algorithms this authenticator accepts, after pinning to the key. */
  get algorithms(): readonly string[] {
    return this.#algorithms;
  }

  /**
   * The verdict without a promise: an identity, or throws an AuthError. `undefined` only when
   * the key set must be fetched first; `authenticate` does that.
   */
  authenticateSync(credentials: Credentials): Identity | undefined {
    const { token } = credentials;
    if (!JWT_SHAPE.test(token)) {
      throw new AuthError("token_unknown", "the token is not a JWT");
    }
    const keys = this.#keys;
    if (typeof keys === "function") return this.#identity(keys(token));
    const verify = this.#keyFor(keys, token, false);
    return verify === undefined ? undefined : this.#identity(verify(token));
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const identity = this.authenticateSync(credentials);
    if (identity !== undefined) return identity;
    // Only a key set that had to be fetched (first use, too old, or a key it lacked) is here.
    const keys = this.#keys as RemoteKeySet;
    await keys.load();
    const verify = this.#keyFor(keys, credentials.token, true) as VerifyToken;
    return this.#identity(verify(credentials.token));
  }

  async close(): Promise<void> {
    if (this.#keys instanceof RemoteKeySet) this.#keys.close();
  }

  /** The verifier of the key a token names; `undefined` while the set must be fetched. */
  #keyFor(keys: RemoteKeySet, token: string, fetched: boolean): VerifyToken | undefined {
    // The header is checked before a key is looked for: an HS256 token never fetches a set.
    const { alg, kid } = readHeader(token, this.#algorithms);
    const lookup = keys.find(alg, kid);
    switch (lookup.kind) {
      case "found":
        return lookup.verify;
      case "load":
        if (!fetched) return undefined;
        // Just fetched and still not there: the set does not have it.
        throw new AuthError("token_signature_invalid", "no key of the JWKS matches the JWT");
      case "missing":
        throw new AuthError(
          "token_signature_invalid",
          `the JWT signature does not verify: ${lookup.why}`,
        );
      default: {
        const unexpected: never = lookup;
        throw new Error(`unexpected key lookup ${JSON.stringify(unexpected)}`);
      }
    }
  }

  #identity(payload: Record<string, unknown>): Identity {
    // fast-jwt checks `iat` only for a maximum age; jose refused one that is not a number.
    if (payload.iat !== undefined && typeof payload.iat !== "number") {
      throw new AuthError("token_claim_invalid", 'the JWT claim "iat" is invalid');
    }
    const userId = payload[this.#userClaim];
    if (typeof userId !== "string" || userId === "") {
      throw new AuthError(
        "token_user_missing",
        `the JWT has no user id in claim "${this.#userClaim}"`,
      );
    }
    const roles = rolesFrom(payload[this.#rolesClaim]);
    // A copy when the verified payload is shared with the cache and with later sessions; with
    // no cache (a secret, by default) each verification parses a payload of its own.
    const claims = this.#sharedPayloads ? { ...payload } : payload;
    // Made whole in one literal: a property added later would cost each session's identity
    // a property array (it lives as long as the connection).
    return typeof payload.exp === "number"
      ? { userId, roles, claims, anonymous: false, expiresAt: payload.exp * 1000 }
      : { userId, roles, claims, anonymous: false };
  }
}

/** Roles as an array of strings, or one space-separated string (the OAuth `scope` style). */
export function rolesFrom(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter((role) => role !== "");
  if (Array.isArray(value) && value.every((role) => typeof role === "string")) return [...value];
  return [];
}

function publicKeyOf(pem: string): KeyObject {
  try {
    return createPublicKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new Error("auth.jwt.publicKey: not a PEM public key (SPKI)", { cause });
  }
}

function jwksUrl(url: string | undefined): URL {
  try {
    return new URL(url ?? "");
  } catch (cause) {
    throw new Error(`auth.jwt.jwksUrl: not a URL: ${url}`, { cause });
  }
}
