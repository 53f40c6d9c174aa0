/**
 * The catalogue of error codes a server may put in an `error` frame, mirrored in
 * docs/protocol.md ("Error codes"). A code is stable once published; the message is for people.
 */
export const ERROR_CODES = {
  unauthorized: "The session is not authenticated, or its credentials were refused (see `reason`).",
  already_authenticated:
    "The session is already authenticated as a user; open a new connection to change user.",
  invalid_json: "The frame is not valid JSON.",
  invalid_frame: "The frame is not a JSON object with a string `type`.",
  invalid_field: "A field of the frame is missing or has the wrong type (see `field`).",
  nesting_too_deep:
    "The frame nests objects and arrays deeper than the server accepts (limits.maxNestingDepth).",
  string_too_long:
    "A string in the frame is longer than the server accepts (limits.maxStringLength; see `field`).",
  binary_not_supported:
    "Binary frames are not accepted here (limits.binaryFrames); send JSON text frames.",
  forged_sender:
    "The frame names a sender (`from`, `sender`, `sender_id`, `senderId`); the server stamps the sender itself.",
  unknown_type: "The frame's `type` is not part of the protocol.",
  schema_violation:
    "The frame's `data`, or an event's payload, does not satisfy the schema configured for it (see `pointer`).",
  rate_limited:
    "Too many frames, or an event's rate limit is spent: this one was refused; retry after `retryAfterMs`.",
  too_many_sessions: "The user has as many connections as allowed (limits.maxSessionsPerUser).",
  forbidden:
    "The permissions do not let this user do this; `reason` is the rule that refused (and `message` says why).",
  not_a_member: "Only members of a room may send to it; join it first.",
  room_limit: "The connection is in as many rooms as allowed (rooms.maxPerConnection).",
  room_full: "The room holds as many connections on this node as allowed (rooms.maxMembers).",
  mailbox_full: "The recipient's mailbox holds as many messages as it may; try again later.",
  quota_exceeded:
    "The sender has put as many bytes in other users' mailboxes as it may in the window (limits.sender.maxBytes); retry after `retryAfterMs`.",
  too_many_new_mailboxes:
    "The sender has started as many new mailboxes (mail to users who have none yet) as it may in the window (limits.sender.maxNewMailboxes); retry after `retryAfterMs`.",
  unknown_recipient:
    "The recipient is not one this server keeps mail for (mailbox.recipients); the mail was not accepted.",
  recipient_check_unavailable:
    "The server could not check that the recipient exists (mailbox.recipients: webhook is failing); the mail was not accepted. Retry after `retryAfterMs`, with the same `id`.",
  store_unavailable:
    "The message or acknowledgement could not be stored; nothing of it was kept. Retry later with the same `id`.",
  outcome_unknown:
    "The store may or may not have kept the message or acknowledgement (it failed or timed out after the write was sent). Send the same frame again, with the same `id`: it lands once.",
  server_shutdown:
    "The server is shutting down and did not handle this frame. Send it again, with the same `id`, after reconnecting.",
  internal_error: "The server failed while handling the frame; it was not accepted.",
  unknown_event: "No event of that name is declared under `events:`.",
  invalid_target:
    "The event's `target` is missing, or is not what the event takes (a room, `user:<id>`, or none).",
  template_path_missing:
    "A placeholder of the event names a path the event does not have (see `pointer`, such as /payload/message).",
  invalid_param:
    "A placeholder of the event resolved to a value its action cannot use (a room name that is not one).",
  action_failed:
    "An action of the event could not be done (its webhook is down, the server failed); the actions before it stay done.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
