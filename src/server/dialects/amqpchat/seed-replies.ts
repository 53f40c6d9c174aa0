import type { ErrorFrame } from "../../../protocol/index.js";

/** The seed's own words, byte for byte (setup.go, websocket_controller.go), as plain text. */
export const SEED_REPLIES = {
  connected: "Connected",
  idRequired: "Forbidden: Please provide an 'id' parameter",
  /** The recipient had a connection: it got the mail now. */
  deliveredOnline: "Delivered.\u2714\ufe0f\u2714\ufe0f",
  /** The recipient had none: the mail waits for it. */
  deliveredWaiting: "Delivered.\u2714\ufe0f",
  toSelf: "You cannot send a message to yourself.",
  badPayload: "Bad payload",
} as const;

/** The seed's HTTP 403 answers (middleware.go), as Go's `http.Error` writes them. */
export const SEED_REFUSALS = {
  headerMissing: "Forbidden: Invalid Authorization header\n",
  headerWrong: "Forbidden: Invalid credentials\n",
} as const;

/**
 * A native error in the seed's words. It had two: `Bad payload` for a frame it could not read,
 * and the missing `id`. The errors it never had (limits, outages) are told as `Error: <code>`
 * with the native code (docs/protocol.md#error-codes): `Error: rate_limited`.
 */
export function errorReply(data: ErrorFrame["data"]): string {
  switch (data.code) {
    case "invalid_field":
      return data.field === "id" ? SEED_REPLIES.idRequired : SEED_REPLIES.badPayload;
    case "invalid_json":
    case "invalid_frame":
    case "forged_sender":
    case "nesting_too_deep":
    case "schema_violation":
      return SEED_REPLIES.badPayload;
    default:
      return `Error: ${data.code}`;
  }
}
