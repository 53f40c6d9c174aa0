import type { JsonObject, Mail, RoomMessage } from "../protocol/index.js";

/** The part of a WebSocket the client uses: the browser's, Node's `ws`, or Node 22's global. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
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
  /** Reconnect delays: exponential from `initialDelayMs` to `maxDelayMs`, with full jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
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

export interface ClientEvents {
  /** Mail to this user. Acknowledged once every handler has returned (or resolved). */
  mail: (mail: Mail) => unknown;
  roomMessage: (message: RoomMessage) => unknown;
  receipt: (receipt: Receipt) => unknown;
  presence: (event: PresenceEvent) => unknown;
  broadcast: (message: BroadcastMessage) => unknown;
  state: (state: ConnectionState) => unknown;
  /** The server said something went wrong that no pending call was waiting for. */
  error: (error: Error) => unknown;
  /** The connection is authenticated (again); `user` is who the server says we are. */
  welcome: (info: { user: string; roles: string[]; sessionId: string }) => unknown;
}
