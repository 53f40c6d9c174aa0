import type { ErrorFrame } from "../../../protocol/index.js";
import { goJson } from "./go-json.js";

/** The seed's own answers, byte for byte (handlers.go, handler.go), each with its newline. */
export const SEED_REPLIES = {
  authSuccess: goJson({ type: "auth", data: "success" }),
  authFailed: goJson({ type: "auth", data: "failed" }),
  authInvalid: goJson({ type: "auth", data: "invalid" }),
  unauthorized: error("unauthorized"),
  badPayload: error("bad payload"),
} as const;

/** `{"data":<what>,"type":"error"}`, the seed's error frame. */
export function error(what: string): string {
  return goJson({ type: "error", data: what });
}

/** `{"data":{"timestamp":<unix seconds>},"type":"pong"}`. */
export function pong(epochMs: number): string {
  return goJson({ type: "pong", data: { timestamp: Math.floor(epochMs / 1000) } });
}

/** `{"data":{"from":…,"text":…},"type":"message"}`, what the seed's recipient gets. */
export function mail(from: string, text: string): string {
  return goJson({ type: "message", data: { from, text } });
}

/**
 * A native error in the seed's words. The seed has three: `failed` for a refused `auth`,
 * `unauthorized` for anything before one succeeds, `bad payload` for data it cannot read.
 * The errors it never had (limits, outages) keep their native code as the text:
 * `{"data":"rate_limited","type":"error"}`.
 */
export function errorReply(data: ErrorFrame["data"]): string {
  switch (data.code) {
    case "unauthorized":
      // Nothing authenticated yet (or any more): the seed's answer to a frame before `auth`.
      // Any other reason is a credential refused in band.
      return data.reason === "token_missing" ||
        data.reason === "auth_timeout" ||
        data.reason === "token_expired"
        ? SEED_REPLIES.unauthorized
        : SEED_REPLIES.authFailed;
    case "invalid_json":
    case "invalid_frame":
    case "invalid_field":
    case "forged_sender":
    case "nesting_too_deep":
    case "schema_violation":
      return SEED_REPLIES.badPayload;
    default:
      return error(data.code);
  }
}
