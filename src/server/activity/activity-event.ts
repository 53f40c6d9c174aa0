import type { JsonObject, JsonValue } from "../../protocol/index.js";

/** Mail was stored in its recipient's mailbox (the sender was told `accepted`). */
export interface MailAcceptedEvent {
  kind: "mail.accepted";
  /** Server id of the mail. */
  id: string;
  from: string;
  to: string;
  /** Position in the recipient's mailbox. */
  seq: number;
  ts: number;
  body: JsonObject;
}

/** A recipient acknowledged (`delivered`) or read (`read`) mail. */
export interface MailReceiptEvent {
  kind: "mail.delivered" | "mail.read";
  /** Server id of the mail. */
  id: string;
  /** Sender of the mail (who gets the receipt). */
  from: string;
  /** Recipient of the mail (who acknowledged or read it). */
  to: string;
  ts: number;
}

/** A user joined a room (their first device in it) or left it (their last). */
export interface PresenceEvent {
  kind: "presence.join" | "presence.leave";
  room: string;
  user: string;
  ts: number;
}

/** A declared event (docs/rules.md) whose declaration marks it for export. */
export interface DeclaredEvent {
  kind: "event";
  /** The event's name, as declared. */
  name: string;
  /** Its target: `room:<name>`, `user:<id>`, ... */
  target: string;
  /** Who sent it: a user id, or a service's name. */
  from: string;
  payload: JsonValue;
  ts: number;
}

/** Something that happened on this node, for export (the AMQP bridge). */
export type ActivityEvent = MailAcceptedEvent | MailReceiptEvent | PresenceEvent | DeclaredEvent;

export type ActivityKind = ActivityEvent["kind"];
