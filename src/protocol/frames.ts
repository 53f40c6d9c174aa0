/**
 * Native protocol v1 frames (docs/protocol.md). Every frame is one JSON object
 * `{"type", "id"?, "ref"?, "data"?}`. Client frames may carry `id`; replies carry `ref` = that id.
 */
import type { ErrorCode } from "./error-codes.js";

export const PROTOCOL_VERSION = "postoffice.v1";

/** Data a client may attach to mail; the server passes it on untouched as `body`. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

// ---- client → server --------------------------------------------------------------------

export interface AuthFrame {
  type: "auth";
  id?: string;
  /** `since`: the last mailbox sequence this device has; only later entries are replayed. */
  data: { token: string; since?: number };
}

/**
 * Mail to one user (`data.to`) or a message to a room (`data.room`), exactly one of the two;
 * every other field of `data` is the body.
 */
export interface MessageFrame {
  type: "message";
  id?: string;
  data: JsonObject & ({ to: string; room?: undefined } | { room: string; to?: undefined });
}

/** Join a room; `since`: the last room sequence this client has, to get what it missed. */
export interface JoinFrame {
  type: "join";
  id?: string;
  data: { room: string; since?: number };
}

export interface LeaveFrame {
  type: "leave";
  id?: string;
  data: { room: string };
}

/** Who is in a room (one entry per user, however many devices). */
export interface WhoFrame {
  type: "who";
  id?: string;
  data: { room: string };
}

/** A message to everyone connected; `data` is the body. Needs permission. */
export interface BroadcastFrame {
  type: "broadcast";
  id?: string;
  data: JsonObject;
}

export interface AckFrame {
  type: "ack";
  id?: string;
  /** Cumulative: every mail of the session's mailbox up to and including `seq` is acknowledged. */
  data: { seq: number };
}

/** Cumulative: every mail up to `seq` was read by the user (implies `ack`). */
export interface ReadFrame {
  type: "read";
  id?: string;
  data: { seq: number };
}

/**
 * A declared event (docs/rules.md#the-native-event-frame): its name, its target (a room,
 * `user:<id>`, or none, as the event declares) and its payload (`{}` when absent). Answered
 * with a `receipt` carrying the event's name, or an `error` with the refusal's code.
 */
export interface EventFrame {
  type: "event";
  id?: string;
  data: { event: string; target?: string; payload?: JsonValue };
}

export interface PingFrame {
  type: "ping";
  id?: string;
  data?: JsonObject;
}

export type ClientFrame =
  | AuthFrame
  | MessageFrame
  | AckFrame
  | ReadFrame
  | JoinFrame
  | LeaveFrame
  | WhoFrame
  | BroadcastFrame
  | EventFrame
  | PingFrame;
export type ClientFrameType = ClientFrame["type"];

// ---- server → client --------------------------------------------------------------------

export interface WelcomeFrame {
  type: "welcome";
  ref?: string;
  data: {
    protocol: typeof PROTOCOL_VERSION;
    sessionId: string;
    user: string;
    roles: string[];
    anonymous: boolean;
    server: { version: string; node: string };
    heartbeatMs: number;
    /** Mailbox entries with `seq` above `after` follow (a `since` past the mailbox's end is lowered). */
    mailbox: { after: number };
    /** In chat mode, the name asked for when it was taken and `user` is a variant of it. */
    requestedName?: string;
    /**
     * Rooms the server joins this session to right after this welcome (chat mode's room): the
     * client is in them from now on, and each is confirmed by a `joined` with `by: "server"`.
     */
    rooms?: string[];
  };
}

/** Mail as delivered: envelope fields stamped by the server, the sender's data in `body`. */
export interface Mail {
  /** Server id, stable across redeliveries: drop a repeat by it. */
  id: string;
  /** Position in the recipient's mailbox, increasing by one per mail. */
  seq: number;
  /** The authenticated sender, never taken from the frame. */
  from: string;
  to: string;
  /** When the server accepted it (epoch ms). */
  ts: number;
  body: JsonObject;
}

export interface DeliveredMessageFrame {
  type: "message";
  data: Mail;
}

/** A message to a room as its members get it; `seq` is the room's sequence, not a mailbox position. */
export interface RoomMessage {
  id: string;
  room: string;
  seq: number;
  from: string;
  ts: number;
  body: JsonObject;
}

export interface RoomMessageFrame {
  type: "message";
  data: RoomMessage;
}

export interface DeliveredBroadcastFrame {
  type: "broadcast";
  data: { id: string; from: string; ts: number; body: JsonObject };
}

/**
 * Reply to `join`: `position` is the room's latest sequence; `recovered: false` means a gap too
 * old to fill. Without `ref` and with `by: "server"`: a join the server made (chat mode's room).
 */
export interface JoinedFrame {
  type: "joined";
  ref?: string;
  data: { room: string; position: number; recovered: boolean; by?: "server" };
}

/** Reply to `leave`; without `ref` and with `by: "server"`: a join the server named failed. */
export interface LeftFrame {
  type: "left";
  ref?: string;
  data: { room: string; by?: "server" };
}

/** A member joined or left a room (user level: a second device is not news), or the reply to `who`. */
export interface PresenceFrame {
  type: "presence";
  ref?: string;
  data:
    | { room: string; event: "join" | "leave"; user: string }
    | { room: string; members: string[] };
}

/**
 * `accepted`: the mail is stored (durably, with the SQLite store). `delivered`: a device of the
 * recipient acknowledged it. `read`: the recipient said it was read. Nothing else is reported.
 */
export type ReceiptStatus = "accepted" | "delivered" | "read";

export interface ReceiptFrame {
  type: "receipt";
  /** The `id` of the client frame that sent the mail. */
  ref?: string;
  data: {
    status: ReceiptStatus;
    /** Server id of the mail. */
    id: string;
    /** Recipient of the mail (direct mail). */
    to?: string;
    /** The room it was sent to (room messages and broadcasts get only `accepted`). */
    room?: string;
    /**
     * On `accepted` of direct mail, for the dialects that tell it (AMQP chat), never native
     * clients: whether a session of the recipient was connected, on any node, when it was stored.
     */
    online?: boolean;
    ts: number;
    /** `delivered` and `read` receipts wait in the sender's mailbox: this is their position there, to `ack`. */
    seq?: number;
    /** The receipt of an `event` frame: the event's name (`id` is the server's id for it). */
    event?: string;
    /** The event's answer to its sender (its `reply` action), if it has one. */
    reply?: EventNoticeData;
    /** The mail the event stored, in the order of its actions; receipts follow as for direct mail. */
    mail?: EventMail[];
  };
}

/** What an event's notice carries, and an event's `reply`. */
export interface EventNoticeData {
  event: string;
  payload: JsonValue;
}

/** A mail stored by an event, as its receipt lists it. */
export interface EventMail {
  id: string;
  to: string;
  seq: number;
  ts: number;
}

/**
 * A notice sent by a declared event's action (`notify_room`, `notify_user`, `broadcast`, ...):
 * `from` is the event's sender, stamped by the server [SENDER-1]; `room` is set when it came
 * through a room. Notices are live only: not in a mailbox or a room's history [EVENT-2].
 */
export interface EventNoticeFrame {
  type: "event";
  data: EventNoticeData & { from: string; room?: string; ts: number };
}

export interface ErrorFrame {
  type: "error";
  ref?: string;
  data: {
    code: ErrorCode;
    message: string;
    /** A finer, stable cause where the code has several (auth failures). */
    reason?: string;
    /** The field at fault (`invalid_field`, `forged_sender`, `string_too_long`). */
    field?: string;
    /** JSON pointer of the first failure in the frame, for `schema_violation`. */
    pointer?: string;
    /** For `rate_limited`: retrying sooner is refused again. */
    retryAfterMs?: number;
  };
}

export interface PongFrame {
  type: "pong";
  ref?: string;
  data: { ts: number };
}

export type ServerFrame =
  | WelcomeFrame
  | DeliveredMessageFrame
  | RoomMessageFrame
  | DeliveredBroadcastFrame
  | JoinedFrame
  | LeftFrame
  | PresenceFrame
  | ReceiptFrame
  | ErrorFrame
  | EventNoticeFrame
  | PongFrame;
