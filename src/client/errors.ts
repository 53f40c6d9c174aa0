import type { ErrorCode } from "../protocol/index.js";

/** A refusal from the server (an `error` frame), or the connection's end, as a rejection. */
export class PostofficeError extends Error {
  override readonly name = "PostofficeError";
  constructor(
    /** The server's stable code, or `closed` when the client was closed first. */
    readonly code: ErrorCode | "closed",
    message: string,
    readonly details: {
      reason?: string;
      field?: string;
      pointer?: string;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }
}
