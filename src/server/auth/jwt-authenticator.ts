import { createPublicKey, type KeyObject } from "node:crypto";
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { AuthError, type Authenticator, type Credentials } from "./authenticator.js";
import type { Identity } from "./identity.js";

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
}

const HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"];
const RSA_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_ALGORITHMS: Record<string, string[]> = {
  prime256v1: ["ES256"],
  secp384r1: ["ES384"],
  secp521r1: ["ES512"],
};
const EDDSA_ALGORITHMS = ["EdDSA", "Ed25519"];
// A key set may hold any public key, but never a shared secret: publishing one would be a leak.
const JWKS_ALGORITHMS = [...RSA_ALGORITHMS, "ES256", "ES384", "ES512", ...EDDSA_ALGORITHMS];

// Three base64url segments; the signature may be empty so that `alg: none` is refused by name.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The HMAC key for a shared secret: its UTF-8 bytes. `postoffice token` must sign the same way. */
export function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Verifies JWTs signed with a shared secret (HS256/384/512), a PEM public key (RSA, EC,
 * Ed25519) or the keys of a JWKS URL. The accepted algorithms are pinned to what the key can verify, so
 * an HS256 token can never be checked against an RSA public key used as an HMAC secret.
 */
export class JwtAuthenticator implements Authenticator {
  readonly #algorithms: readonly string[];
  readonly #key: JWTVerifyGetKey;
  readonly #options: JwtAuthenticatorOptions;

  constructor(options: JwtAuthenticatorOptions) {
    this.#options = options;
    const sources = (["secret", "publicKey", "jwksUrl"] as const).filter(
      (name) => options[name] !== undefined && options[name] !== "",
    );
    if (sources.length !== 1) {
      throw new Error(
        `auth.jwt: set exactly one of secret, publicKey (or publicKeyFile), jwksUrl; got ${sources.length === 0 ? "none" : sources.join(", ")}`,
      );
    }
    const { allowed, key } = keyFor(options);
    this.#key = key;
    this.#algorithms = pinAlgorithms(allowed, options.algorithms);
  }

  /** The algorithms this authenticator accepts, after pinning to the key. */
  get algorithms(): readonly string[] {
    return this.#algorithms;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const { token } = credentials;
    if (!JWT_SHAPE.test(token)) {
      throw new AuthError("token_unknown", "the token is not a JWT");
    }
    this.#checkHeader(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [...this.#algorithms],
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSec ?? 5,
      }));
    } catch (error) {
      throw joseFailure(error);
    }
    return this.#identity(payload);
  }

  #checkHeader(token: string): void {
    let alg: unknown;
    try {
      ({ alg } = decodeProtectedHeader(token));
    } catch (cause) {
      throw new AuthError("token_malformed", "the JWT header is not valid base64url JSON", {
        cause,
      });
    }
    if (typeof alg !== "string") {
      throw new AuthError("token_malformed", "the JWT header has no alg");
    }
    // Checked before any key is touched: `none` and algorithm confusion stop here.
    if (alg.toLowerCase() === "none" || !this.#algorithms.includes(alg)) {
      throw new AuthError(
        "token_algorithm_forbidden",
        `the JWT algorithm ${alg} is not accepted (accepted: ${this.#algorithms.join(", ")})`,
      );
    }
  }

  #identity(payload: JWTPayload): Identity {
    const userClaim = this.#options.userClaim ?? "sub";
    const userId = payload[userClaim];
    if (typeof userId !== "string" || userId === "") {
      throw new AuthError("token_user_missing", `the JWT has no user id in claim "${userClaim}"`);
    }
    const identity: Identity = {
      userId,
      roles: rolesFrom(payload[this.#options.rolesClaim ?? "roles"]),
      claims: { ...payload },
      anonymous: false,
    };
    if (typeof payload.exp === "number") identity.expiresAt = payload.exp * 1000;
    return identity;
  }
}

/** Roles as an array of strings, or one space-separated string (the OAuth `scope` style). */
export function rolesFrom(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter((role) => role !== "");
  if (Array.isArray(value) && value.every((role) => typeof role === "string")) return [...value];
  return [];
}

function keyFor(options: JwtAuthenticatorOptions): {
  allowed: readonly string[];
  key: JWTVerifyGetKey;
} {
  if (options.secret) {
    const secret = hmacKey(options.secret);
    // Given raw bytes, jose imports them afresh for every token: that was half of verifying.
    const key = importedPerAlgorithm((alg) =>
      crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: `SHA-${alg.slice(2)}` }, false, [
        "verify",
      ]),
    );
    return { allowed: HMAC_ALGORITHMS, key };
  }
  if (options.publicKey) return publicKeyFor(options.publicKey);
  let url: URL;
  try {
    url = new URL(options.jwksUrl ?? "");
  } catch (cause) {
    throw new Error(`auth.jwt.jwksUrl: not a URL: ${options.jwksUrl}`, { cause });
  }
  return { allowed: JWKS_ALGORITHMS, key: createRemoteJWKSet(url) };
}

function publicKeyFor(pem: string): { allowed: readonly string[]; key: JWTVerifyGetKey } {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new Error("auth.jwt.publicKey: not a PEM public key (SPKI)", { cause });
  }
  const allowed = algorithmsForKey(keyObject);
  return { allowed, key: importedPerAlgorithm((alg) => importSPKI(pem, alg)) };
}

/**
 * WebCrypto binds a key to one algorithm, so the key is imported once per algorithm seen
 * (the header's `alg` was checked against the pinned list before this is asked).
 */
function importedPerAlgorithm(importFor: (alg: string) => Promise<CryptoKey>): JWTVerifyGetKey {
  const imported = new Map<string, Promise<CryptoKey>>();
  return (header) => {
    const alg = header.alg ?? "";
    let pending = imported.get(alg);
    if (pending === undefined) {
      pending = importFor(alg);
      imported.set(alg, pending);
    }
    return pending;
  };
}

function algorithmsForKey(key: KeyObject): readonly string[] {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case "rsa":
      if ((details.modulusLength ?? 0) < 2048) {
        throw new Error("auth.jwt.publicKey: RSA keys must be 2048 bits or larger");
      }
      return RSA_ALGORITHMS;
    case "ec": {
      const algorithms = EC_ALGORITHMS[details.namedCurve ?? ""];
      if (algorithms === undefined) {
        throw new Error(`auth.jwt.publicKey: unsupported EC curve ${details.namedCurve}`);
      }
      return algorithms;
    }
    case "ed25519":
      return EDDSA_ALGORITHMS;
    default:
      throw new Error(
        `auth.jwt.publicKey: unsupported key type ${type}; use RSA, EC P-256/384/521 or Ed25519`,
      );
  }
}

function pinAlgorithms(
  allowed: readonly string[],
  configured: readonly string[] | undefined,
): readonly string[] {
  if (configured === undefined) return allowed;
  if (configured.length === 0) {
    throw new Error(
      "auth.jwt.algorithms: must not be empty (omit it to accept what the key allows)",
    );
  }
  const refused = configured.filter((alg) => !allowed.includes(alg));
  if (refused.length > 0) {
    throw new Error(
      `auth.jwt.algorithms: ${refused.join(", ")} cannot be used with the configured key (it allows ${allowed.join(", ")})`,
    );
  }
  return [...new Set(configured)];
}

/** Maps a jose failure to a stable reason; anything unexpected is `auth_unavailable`. */
function joseFailure(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthError("token_expired", "the JWT has expired", { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf" && error.reason === "check_failed") {
      return new AuthError("token_not_yet_valid", "the JWT is not valid yet (nbf)", {
        cause: error,
      });
    }
    return new AuthError("token_claim_invalid", `the JWT claim "${error.claim}" is invalid`, {
      cause: error,
    });
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new AuthError("token_signature_invalid", "the JWT signature does not verify", {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError("token_algorithm_forbidden", error.message, { cause: error });
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new AuthError("token_malformed", `the JWT is malformed: ${error.message}`, {
      cause: error,
    });
  }
  // JWKS timeouts, network errors, non-200 key set answers, unusable keys: not the client's fault.
  const detail = error instanceof Error ? error.message : String(error);
  return new AuthError("auth_unavailable", `JWT verification failed: ${detail}`, { cause: error });
}
