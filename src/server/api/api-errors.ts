import { API_ERRORS, type ApiErrorCode } from "../../protocol/index.js";

export { API_ERRORS, type ApiErrorCode };

/** The JSON of every error answer: `{"error":{"code","message",...}}`. */
export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** A JSON Pointer into the request body (or `/params/…`, `/query/…`) to the value at fault. */
    pointer?: string;
    /** For 429 and 503: when a retry may succeed (also in `Retry-After`, in seconds). */
    retryAfterMs?: number;
    /** For a declared event's refusal: the rule or step that refused. */
    reason?: string;
  };
}

/** An error answer: its status comes from the catalogue. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: {
      pointer?: string;
      retryAfterMs?: number;
      allow?: string;
      reason?: string;
    } = {},
  ) {
    super(message);
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }

  /** The headers the answer carries besides its body: `Retry-After`, `Allow`, `WWW-Authenticate`. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    const { retryAfterMs, allow } = this.details;
    if (retryAfterMs !== undefined) headers["retry-after"] = String(Math.ceil(retryAfterMs / 1000));
    if (allow !== undefined) headers.allow = allow;
    if (this.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="postoffice"';
    return headers;
  }

  body(): ApiErrorBody {
    const { pointer, retryAfterMs, reason } = this.details;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(pointer === undefined ? {} : { pointer }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(reason === undefined ? {} : { reason }),
      },
    };
  }
}
