import { type Algorithm, createVerifier, TOKEN_ERROR_CODES, TokenError } from "fast-jwt";
import { AuthError, toAuthError } from "./authenticator.js";
import { readHeader } from "./jwt-header.js";

/** What every token must satisfy, whatever key verifies it. */
export interface VerificationPolicy {
  /** Required `iss`, if set. */
  issuer?: string;
  /** Required `aud` (the token's, or one of its list), if set. */
  audience?: string;
  /** Leeway for `exp` and `nbf`. */
  clockToleranceMs: number;
  /** Verified tokens remembered per key; 0 = none. */
  cacheSize: number;
  /** Longest a verdict is remembered; an acceptance never past the token's `exp`. */
  cacheTtlMs: number;
}

/** Checks a token with one key: its claims, or throws an AuthError saying why not. */
export type VerifyToken = (token: string) => Record<string, unknown>;

/**
 * A synchronous verifier (fast-jwt, on node:crypto) for one key and the algorithms pinned to
 * it. Its cache is keyed by the token's digest and bounded in size; an accepted token is
 * remembered until its `exp` (plus leeway) at the latest, and never before its `nbf`. A
 * refusal is remembered too (a bad signature stays bad), except "not valid yet", which time
 * cures. The cache belongs to the key: a key that leaves a key set takes its verdicts along
 * [AUTH-6].
 */
export function createTokenVerifier(
  key: string | Buffer,
  algorithms: readonly string[],
  policy: VerificationPolicy,
): VerifyToken {
  const { issuer, audience, clockToleranceMs, cacheSize, cacheTtlMs } = policy;
  const required = [issuer === undefined ? [] : ["iss"], audience === undefined ? [] : ["aud"]];
  const verify = createVerifier({
    key,
    // fast-jwt's type lacks the fully-specified `Ed25519`; it verifies it as EdDSA.
    algorithms: [...algorithms] as Algorithm[],
    allowedIss: issuer,
    allowedAud: audience,
    // fast-jwt checks iss and aud only when present: jose-like strictness needs them required.
    requiredClaims: required.flat(),
    clockTolerance: clockToleranceMs,
    cache: cacheSize > 0 ? cacheSize : false,
    cacheTTL: cacheTtlMs,
    errorCacheTTL: (error) =>
      error.code === TOKEN_ERROR_CODES.inactive ? -clockToleranceMs - 1 : cacheTtlMs,
  });
  return (token) => {
    try {
      return verify(token) as Record<string, unknown>;
    } catch (error) {
      throw verificationFailure(error, token, algorithms);
    }
  };
}

/** A fast-jwt refusal as a stable reason; anything unexpected is `auth_unavailable`. */
export function verificationFailure(
  error: unknown,
  token: string,
  algorithms: readonly string[],
): AuthError {
  if (error instanceof AuthError) return error;
  if (!(error instanceof TokenError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new AuthError("auth_unavailable", `JWT verification failed: ${detail}`, {
      cause: error,
    });
  }
  const code = error.code;
  switch (code) {
    case "FAST_JWT_EXPIRED":
      return new AuthError("token_expired", "the JWT has expired", { cause: error });
    case "FAST_JWT_INACTIVE":
      return new AuthError("token_not_yet_valid", "the JWT is not valid yet (nbf)", {
        cause: error,
      });
    case "FAST_JWT_INVALID_ALGORITHM":
    case "FAST_JWT_MISSING_SIGNATURE":
      // fast-jwt refuses an empty signature before it looks at `alg`: the header says which
      // of `none`, an algorithm left out, or a bad signature this is.
      return headerRefusal(token, algorithms) ?? signatureInvalid(error);
    case "FAST_JWT_INVALID_SIGNATURE":
    case "FAST_JWT_VERIFY_ERROR":
      return signatureInvalid(error);
    case "FAST_JWT_INVALID_CLAIM_TYPE":
    case "FAST_JWT_INVALID_CLAIM_VALUE":
    case "FAST_JWT_MISSING_REQUIRED_CLAIM": {
      // fast-jwt names the claim only in its message ("The aud claim value is not allowed.").
      const claim = /\b([\w-]+) claim\b/.exec(error.message)?.[1] ?? "?";
      return new AuthError("token_claim_invalid", `the JWT claim "${claim}" is invalid`, {
        cause: error,
      });
    }
    case "FAST_JWT_MALFORMED":
    case "FAST_JWT_INVALID_PAYLOAD":
    case "FAST_JWT_INVALID_CRIT_HEADER":
    case "FAST_JWT_INVALID_TYPE":
      return new AuthError("token_malformed", `the JWT is malformed: ${error.message}`, {
        cause: error,
      });
    case "FAST_JWT_INVALID_OPTION":
    case "FAST_JWT_INVALID_KEY":
    case "FAST_JWT_MISSING_KEY":
    case "FAST_JWT_KEY_FETCHING_ERROR":
    case "FAST_JWT_SIGN_ERROR":
      // A key or an option the library refuses: the server's fault, not the token's.
      return new AuthError("auth_unavailable", `JWT verification failed: ${error.message}`, {
        cause: error,
      });
    default: {
      const unexpected: never = code;
      return new AuthError("auth_unavailable", `JWT verification failed: ${String(unexpected)}`, {
        cause: error,
      });
    }
  }
}

function headerRefusal(token: string, algorithms: readonly string[]): AuthError | undefined {
  try {
    readHeader(token, algorithms);
    return undefined;
  } catch (refusal) {
    return toAuthError(refusal);
  }
}

function signatureInvalid(cause: unknown): AuthError {
  return new AuthError("token_signature_invalid", "the JWT signature does not verify", { cause });
}
