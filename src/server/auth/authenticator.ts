import type { Identity } from "./identity.js";

/**
 * Why a credential was refused. Stable strings: they appear in error frames (`reason`),
 * close reasons and the `postoffice_auth_failures_total{reason}` metric.
 */
export type AuthFailureReason =
  | "token_missing"
  | "token_malformed"
  | "token_unknown"
  | "token_signature_invalid"
  | "token_algorithm_forbidden"
  | "token_expired"
  | "token_not_yet_valid"
  | "token_claim_invalid"
  | "token_user_missing"
  | "token_rejected"
  | "auth_unavailable"
  /** No credentials within auth.timeoutMs (set by the gateway, not an authenticator). */
  | "auth_timeout";

export class AuthError extends Error {
  override readonly name = "AuthError";
  /** For `auth_unavailable`: when trying again may help (an open circuit, a spent budget). */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * An authenticator's rejection as a refusal: an AuthError as it is, anything else (a bug,
 * an outage) as `auth_unavailable`, as the Authenticator contract says [AUTH-1].
 */
export function toAuthError(error: unknown): AuthError {
  return error instanceof AuthError
    ? error
    : new AuthError("auth_unavailable", "Authentication failed unexpectedly.", { cause: error });
}

export interface Credentials {
  token: string;
  /**
   * The client's address as the gateway saw it, when it knows it. Authenticators that call
   * out use it to ration one address while their backend is failing; it is never an identity.
   */
  address?: string;
  /**
   * The user id the client claimed when it connected (MessageTransfer's `?client_id=`): the
   * identity must be this user, or the credential is refused (`token_claim_invalid`; the chain
   * checks it, auth/claimed-id.ts). A static token for `*` grants exactly this id.
   */
  claimedUserId?: string;
}

/**
 * Turns credentials into an identity, or rejects with an `AuthError` saying why.
 * Contract: never resolves for a credential it cannot vouch for; any other failure
 * (network, bug) is wrapped as `auth_unavailable` so callers can tell "refused" from "broken".
 * An authenticator that does not recognise a token's kind rejects with `token_unknown`,
 * so that a chain can try the next one.
 */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Identity>;
  /**
   * The same verdict without a promise, for authenticators that can often decide without
   * I/O (static tokens, a JWT whose key is in memory): returns the identity or throws the
   * AuthError that `authenticate` would reject with. Returns `undefined` when the answer needs
   * I/O (a webhook call, a key set to fetch): then call `authenticate`. Never starts work that
   * `authenticate` would repeat.
   */
  authenticateSync?(credentials: Credentials): Identity | undefined;
  /** Releases timers or connections (JWKS refresh, HTTP agents). */
  close?(): Promise<void>;
}
