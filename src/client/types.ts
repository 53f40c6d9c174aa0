import type {
  EventMail,
  EventNoticeData,
  JsonObject,
  JsonValue,
  Mail,
  RoomMessage,
} from "../protocol/index.js";

/**
 * An event handler property that the browser's `WebSocket` and `ws`'s both fit. Declared as a
 * method's type on purpose: method parameters are compared both ways, so a socket whose
 * handlers take a narrower event (`Event`, `MessageEvent`, `ws`'s `CloseEvent`) is accepted as
 * it is, without a cast; property function types would be compared one way only and refuse it.
 */
type Handler<E> = { bivariant(event: E): void }["bivariant"] | null;

/** The part of a WebSocket the client uses: the browser's, Node's `ws`, or Node 22's global. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
}

export type SocketFactory = new (url: string, protocols?: string | string[]) => SocketLike;

/** Where the client keeps its mailbox position between runs (a page reload, a process restart). */
export interface PositionStore {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
}

export interface ClientOptions {
  /** `ws://host:port/ws` */
  url: string;
  /**
   * A token, or a function that fetches a fresh one for each connection. Leave it out for a
   * server in anonymous (development or chat) mode, naming yourself in the URL (`?username=`).
   */
  token?: string | (() => string | Promise<string>);
  /** Defaults to `globalThis.WebSocket`; in Node 20 pass `ws`'s `WebSocket`. */
  WebSocket?: SocketFactory;
  /**
   * Reconnect delays: exponential from `initialDelayMs` (default 250) to `maxDelayMs` (default
   * 30,000), with full jitter. The delays grow again from `initialDelayMs` only once a
   * connection has stayed open `resetAfterMs` (default 10,000), so a server that accepts and
   * then drops the client at once is not hammered.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; resetAfterMs?: number };
  /** Keeps the mailbox position across runs, e.g. `localStorage`. Default: memory only. */
  positions?: PositionStore;
  /** The key under `positions`; give each user (or device) its own. Default: per URL. */
  positionKey?: string;
}

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** A `delivered` or `read` receipt for mail this user sent. */
export interface Receipt {
  status: "delivered" | "read";
  /** The `id` the send was given (the frame id the client chose). */
  ref: string | undefined;
  /** Server id of the mail. */
  mailId: string;
  to: string;
  ts: number;
}

export interface SendOptions {
  /** Resolve on `accepted` (default) or wait for `delivered`. */
  waitFor?: "accepted" | "delivered";
  /**
   * With `waitFor: "delivered"`: reject with code `timeout` (`details.reason:
   * "delivered_timeout"`, `details.accepted`) when no `delivered` receipt came this many ms
   * after `accepted`. Default: wait as long as the client is open.
   */
  deliveredTimeoutMs?: number;
}

export interface Accepted {
  /** Server id of the mail or message. */
  id: string;
  /** The frame id the client gave it (used for retries and receipts). */
  ref: string;
  ts: number;
}

export interface PresenceEvent {
  room: string;
  event: "join" | "leave";
  user: string;
}

export interface BroadcastMessage {
  id: string;
  from: string;
  ts: number;
  body: JsonObject;
}

/** A rejoined room whose messages since the client's position could not all be replayed. */
export interface RoomReset {
  room: string;
  /** The room `seq` the client rejoined with (the last it handed to the application). */
  since: number;
  /** The room's latest `seq`, now the client's position in it. */
  position: number;
  /** The server's `recovered`: false when messages after `since` are no longer kept. */
  recovered: boolean;
  /**
   * The room's numbering started again (it was forgotten, or the node restarted): `position`
   * is below `since`, and messages up to `position` may have been missed.
   */
  renumbered: boolean;
}

/** The server's mailbox numbering started again (a memory store restarted, say). */
export interface MailboxReset {
  /** The position the client resumed from. */
  previous: number;
  /** Where the server's mailbox ends now. */
  after: number;
}

export interface WelcomeInfo {
  user: string;
  roles: string[];
  sessionId: string;
  rooms: string[];
}

/**
 * The declared events of an application, for types: event name → payload. Give one map for
 * what the client sends (`emit`) and one for the notices it receives (`on`):
 * `new PostofficeClient<{ send_message: { message: string } }, { new_message: { user: string; message: string } }>(…)`.
 * Without them, any name and any JSON payload.
 */
export type EventMap = Record<string, JsonValue>;

/** A notice of a declared event (`notify_room`, `notify_user`, `broadcast`, …), as listeners get it. */
export interface EventNotice<Payload = JsonValue> {
  event: string;
  payload: Payload;
  /** Who sent the event that caused it, as the server authenticated them. */
  from: string;
  /** The room it came through, if it did. */
  room?: string;
  ts: number;
}

/** A listener of one declared notice: its payload, then the whole notice. */
export type NoticeListener<Payload = JsonValue> = (
  payload: Payload,
  notice: EventNotice<Payload>,
) => unknown;

/** What `emit` resolves with: the event was accepted, every action done. */
export interface EventReceipt {
  /** The event's name. */
  event: string;
  /** The server's id for this event. */
  id: string;
  /** The frame id the client gave it. */
  ref: string;
  ts: number;
  /** The event's answer (its `reply` action), if it has one. */
  reply?: EventNoticeData;
  /** The mail the event stored; their receipts come as `receipt` events. */
  mail?: EventMail[];
}

export interface ClientEvents {
  /** Mail to this user. Acknowledged once every listener has returned (or resolved, or thrown). */
  mail: (mail: Mail) => unknown;
  roomMessage: (message: RoomMessage) => unknown;
  receipt: (receipt: Receipt) => unknown;
  presence: (event: PresenceEvent) => unknown;
  broadcast: (message: BroadcastMessage) => unknown;
  state: (state: ConnectionState) => unknown;
  /**
   * The server said something went wrong that no pending call was waiting for; an automatic
   * rejoin was refused; the position store failed; or a listener of another event threw.
   */
  error: (error: Error) => unknown;
  /**
   * After a reconnect, a room was rejoined but what it missed could not all be replayed:
   * reload the room some other way.
   */
  roomReset: (reset: RoomReset) => unknown;
  /**
   * The server's mailbox numbering started again: the client forgot its position and gets the
   * new mailbox from its start. Mail of the old mailbox not handled yet is lost.
   */
  mailboxReset: (reset: MailboxReset) => unknown;
  /**
   * The connection is authenticated (again); `user` is who the server says we are (a guest's
   * id starts with `~`). `rooms`: the rooms the server joined this connection to (chat mode's
   * room), whose messages and presence events follow as for rooms the application joined.
   */
  welcome: (info: WelcomeInfo) => unknown;
  /**
   * Every notice of a declared event, whatever its name; for one name, `on(name, listener)`.
   * Notices are live: one sent while the client was offline is not replayed.
   */
  event: (notice: EventNotice) => unknown;
}
