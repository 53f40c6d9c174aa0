import type { ErrorCode } from "../../protocol/index.js";

/**
 * What the sender of an event is told when it is not accepted: a stable code, a message for
 * people, and where useful the rule that refused (`reason`), a JSON pointer into the event
 * (`pointer`), or when to retry. Mirrored in docs/rules.md ("Event refusals"); every code is
 * one of the protocol's (src/protocol/error-codes.ts), which the type below enforces.
 */
export const EVENT_REFUSAL_CODES = {
  unknown_event: "No event of that name is declared under `events:`.",
  invalid_target:
    "The event's `target` is missing, or is not what the event takes (a room, `user:<id>`, or none).",
  schema_violation: "The payload does not satisfy the event's schema (see `pointer`).",
  forbidden: "The sender may not send this event, or an action was refused (see `reason`).",
  not_a_member: "The event notifies a room the sender is not in; join it first.",
  rate_limited: "The event's rate limit is spent; retry after `retryAfterMs`.",
  template_path_missing:
    "A placeholder names a path the event does not have (see `pointer`, such as /payload/message).",
  invalid_param:
    "A placeholder resolved to a value the action cannot use (a room name that is not one, mail to a non-string).",
  action_failed:
    "An action could not be done (its webhook is down, its circuit is open, the server failed); actions before it stay done.",
  room_limit: "The connection is in as many rooms as allowed (rooms.maxPerConnection).",
  room_full: "The room holds as many connections as allowed (rooms.maxMembers).",
  mailbox_full: "The recipient's mailbox is full; the mail was not accepted.",
  store_unavailable: "The mail could not be stored; it was not accepted.",
} as const satisfies { readonly [Code in ErrorCode]?: string };

export type EventRefusalCode = keyof typeof EVENT_REFUSAL_CODES;

/** The codes a port may answer with: the native frame's refusals. */
export type PortRefusalCode = Extract<
  EventRefusalCode,
  | "forbidden"
  | "not_a_member"
  | "room_limit"
  | "room_full"
  | "mailbox_full"
  | "store_unavailable"
  | "rate_limited"
  | "invalid_param"
>;

export interface Refusal {
  code: EventRefusalCode;
  message: string;
  /** The rule or step that refused: `events.chat.modifiers[0] (rate_limit)`, `permissions.rooms[1]`. */
  reason?: string;
  /** For `schema_violation` and the template codes: where in the event. */
  pointer?: string;
  /** For `rate_limited`: sooner is refused again. */
  retryAfterMs?: number;
}

/** A refusal, as a step returns it to stop the event. */
export function refuse(
  code: EventRefusalCode,
  message: string,
  extra: Omit<Refusal, "code" | "message"> = {},
): Refusal {
  return { code, message, ...extra };
}
