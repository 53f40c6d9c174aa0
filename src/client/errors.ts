import type { ErrorCode } from "../protocol/index.js";
import type { Accepted } from "./types.js";

/**
 * Why the client itself (not the server) ended a call, in `details.reason` of a `closed` or
 * `timeout` error:
 * - `client_closed`: `close()` was called (or the server refused the client for good);
 * - `not_connected`: a request (`join`, `who`, `flush`...) made while not connected;
 * - `connection_closed`: the connection dropped before the answer came;
 * - `outcome_unknown`: a room message or broadcast was sent, but the connection dropped before
 *   its receipt: it may or may not have gone out, and it is not resent (that could duplicate it);
 * - `delivered_timeout`: `waitFor: "delivered"` waited longer than `deliveredTimeoutMs`.
 */
export type ClientReason =
  | "client_closed"
  | "not_connected"
  | "connection_closed"
  | "outcome_unknown"
  | "delivered_timeout";

/** A refusal from the server (an `error` frame), or the connection's end, as a rejection. */
export class PostofficeError extends Error {
  override readonly name = "PostofficeError";
  constructor(
    /**
     * The server's stable code; `closed` when the client or the connection ended first;
     * `timeout` when `deliveredTimeoutMs` ran out.
     */
    readonly code: ErrorCode | "closed" | "timeout",
    message: string,
    readonly details: {
      /** The server's `reason`, or the client's own ({@link ClientReason}). */
      reason?: string;
      field?: string;
      pointer?: string;
      retryAfterMs?: number;
      /** The room a failed automatic rejoin was about. */
      room?: string;
      /** With `delivered_timeout`: the mail was accepted (stored) all the same. */
      accepted?: Accepted;
    } = {},
  ) {
    super(message);
  }
}

export function clientError(
  code: "closed" | "timeout",
  reason: ClientReason,
  message: string,
  extra: PostofficeError["details"] = {},
): PostofficeError {
  return new PostofficeError(code, message, { ...extra, reason });
}

/** The error of every call made once the client is closed. */
export function closedError(): PostofficeError {
  return clientError("closed", "client_closed", "The client is closed.");
}
