/**
 * WebSocket close codes used by the server, mirrored in docs/protocol.md ("Close codes").
 * 4xxx codes follow HTTP status numbers so they are easy to remember. `reconnect` tells a
 * client whether trying again unchanged can succeed (4401 needs a new token; 4408 does not).
 */
export const CLOSE_CODES = {
  /** Server is draining (restart, deploy); reason carries the reconnect window. */
  goingAway: 1001,
  /** The connection request itself was unusable (a chat name that breaks the rules). Fix it first. */
  badRequest: 4400,
  /** Credentials refused; reason is the AuthFailureReason. Reconnect with new credentials. */
  unauthorized: 4401,
  /** The user already has limits.maxSessionsPerUser connections. Close another first. */
  tooManySessions: 4409,
  /**
   * Closed through the server API (`POST /api/v1/users/{user}/disconnect`), which may name
   * another 4000–4999 code; the reason is the caller's. Reconnecting works unless the
   * credentials are refused.
   */
  disconnected: 4403,
  /**
   * A newer connection of the same client took its place (GO-POSTOFFICE's one connection per
   * clientID, `gopostoffice.oneConnectionPerClient`). Its mail not yet written goes to the newer
   * one. Do not reconnect unchanged: that would replace the newer connection in turn.
   */
  replaced: 4410,
  /** The client kept sending over its rate limit after being refused. Slow down before reconnecting. */
  flooding: 4429,
  /** No authentication within auth.timeoutMs. Reconnect and authenticate sooner. */
  authTimeout: 4408,
  /**
   * A connection that has not authenticated sent more than limits.unauthenticated allows
   * (reason `unauthenticated_limit`). ws also closes with 1008 when a message comes in too
   * many fragments or socket reads (no reason). Authenticate sooner, send less before it.
   */
  policyViolation: 1008,
  /** The server failed to start the session (its mailbox could not be read). Reconnect. */
  internalError: 1011,
  /** The client read too slowly: more than limits.outboundBufferBytes waited for it. Its mail is kept. */
  slowReader: 1013,
  /** The server cannot check credentials right now (auth webhook or JWKS down). Retry with backoff. */
  tryAgainLater: 1013,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** The JSON carried in the reason of a 1001 close (at most 123 bytes by RFC 6455). */
export interface GoingAwayReason {
  code: "server_shutdown";
  /** Reconnect after a uniformly random delay in [0, reconnectWithinMs). */
  reconnectWithinMs: number;
}
