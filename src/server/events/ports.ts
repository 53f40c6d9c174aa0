import type { JsonObject, JsonValue } from "../../protocol/index.js";
import type { PortRefusalCode } from "./refusal.js";

/**
 * The contract between the rules engine and the server: everything an event's actions may do,
 * bound to the connection that sent the event. The session implements it (one object per
 * event, or one per session reused), on one node or on a Redis network alike; the engine
 * knows nothing else of the server.
 *
 * Every operation is done as the sender, with the checks the equivalent native frame gets
 * (permissions.rooms for join and room notices, permissions.direct for mail and notices to
 * another user, permissions.broadcast, the room limits, the mailbox's limits): a refusal is
 * returned, never thrown, with the code the native frame would get. A throw means the server
 * failed; the engine answers `action_failed` and logs it.
 */
export interface EventPorts {
  /** Who sent the event: from the session's authenticated identity, never from the frame. */
  readonly sender: Sender;
  /** Whether the origin connection is in the room now. Local to the session, so synchronous. */
  isMember(room: string): boolean;
  /** The origin connection joins the room, as a native `join` without `since` [ROOM-3]. */
  join(room: string): Promise<PortResult>;
  /** The origin connection leaves the room; not a member is not an error (`wasMember: false`). */
  leave(room: string): Promise<PortResult<{ wasMember: boolean }>>;
  /**
   * Every connection in the room, the sender's included, gets the notice (on every node).
   * Checks permissions.rooms `send`; membership is the engine's business (it may notify a room
   * the event just left, as GoDispatch's `leave_room` does).
   */
  notifyRoom(room: string, notice: EventNotice): Promise<PortResult>;
  /** Every connection of `userId` (on every node). Checks permissions.direct unless it is the sender. */
  notifyUser(userId: string, notice: EventNotice): Promise<PortResult>;
  /** The origin connection only, in the order of its replies. */
  notifyOrigin(notice: EventNotice): void;
  /**
   * Mail from the sender to `to`, exactly as a native `message` with `data.to` [DELIVERY-1]:
   * resolves once it is stored, with receipts later. `ref` makes a retried event land once.
   */
  sendMail(
    to: string,
    body: JsonObject,
    ref: string | undefined,
  ): Promise<PortResult<MailAccepted>>;
  /** Every authenticated connection of every node. Checks permissions.broadcast. */
  broadcast(notice: EventNotice): Promise<PortResult>;
}

/** The sender of an event, as the session authenticated it. */
export interface Sender {
  userId: string;
  roles: readonly string[];
  /** The claims of the session's token, for `require: {claims}` and `{$user.claims.…}`. */
  claims: Readonly<Record<string, unknown>>;
  /** The origin connection's id (`{$conn.id}`). */
  connectionId: string;
}

/**
 * What a notice carries. The server frames it for each dialect: natively
 * `{"type":"event","data":{"event","payload","from","room"?,"ts"}}`, for GoDispatch's clients
 * `{"event","payload"}`. The sender is stamped by the server, never taken from the payload.
 */
export interface EventNotice {
  event: string;
  payload: JsonValue;
}

/** A mail stored by an event's `mail` action, as the sender's receipt lists it. */
export interface MailAccepted {
  id: string;
  to: string;
  seq: number;
  ts: number;
}

export type PortResult<T = undefined> =
  | { ok: true; value: T }
  | { ok: false; code: PortRefusalCode; message: string; reason?: string };

/** A port's success without a value. */
export const PORT_OK: PortResult = Object.freeze({ ok: true, value: undefined });
