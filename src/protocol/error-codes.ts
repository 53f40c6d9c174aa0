/**
 * The catalogue of error codes a server may put in an `error` frame, mirrored in
 * docs/protocol.md ("Error codes"). A code is stable once published; the message is for people.
 */
export const ERROR_CODES = {
  unauthorized: "The session is not authenticated, or its credentials were refused (see `reason`).",
  already_authenticated:
    "The session is already authenticated as a user; open a new connection to change user.",
  invalid_frame: "The frame is not a JSON object with a string `type`.",
  invalid_field: "A field of the frame is missing or has the wrong type (see `field`).",
  nesting_too_deep:
    "The frame nests objects and arrays deeper than the server accepts (limits.maxNestingDepth).",
  forged_sender:
    "The frame names a sender (`from`, `sender`, `sender_id`, `senderId`); the server stamps the sender itself.",
  unknown_type: "The frame's `type` is not part of the protocol.",
  mailbox_full: "The recipient's mailbox holds as many messages as it may; try again later.",
  store_unavailable: "The message could not be stored; it was not accepted.",
  internal_error: "The server failed while handling the frame; it was not accepted.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
