import type { JsonValue } from "../../../protocol/index.js";
import type { Sender } from "../ports.js";

/** The target of an event: a room, or `user:<id>` for every connection of one user. */
export interface EventTarget {
  /** As the client sent it: `room:global`, `user:bob`. */
  id: string;
  room?: string;
  user?: string;
}

/** What placeholders read, for one event. */
export interface TemplateScope {
  readonly eventName: string;
  readonly eventId: string;
  readonly ts: number;
  readonly sender: Sender;
  readonly target: EventTarget | undefined;
  /** The payload as it stands: modifiers (transform, enrich, secure) may have changed it. */
  readonly payload: JsonValue;
  /** The claims of the token `secure` verified; undefined before it ran. */
  readonly tokenClaims: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A placeholder named a path the event does not have: the sender is refused with
 * `template_path_missing` and this pointer (`/payload/message`, `/token/room_id`).
 */
export class MissingPathError extends Error {
  override readonly name = "MissingPathError";
  constructor(
    readonly placeholder: string,
    readonly pointer: string,
  ) {
    super(`${placeholder} names ${pointer}, which this event does not have`);
  }
}
