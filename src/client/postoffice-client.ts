import {
  CLOSE_CODES,
  type JsonObject,
  type Mail,
  PROTOCOL_VERSION,
  type RoomMessage,
  type ServerFrame,
} from "../protocol/index.js";
import { backoffDelay, drainWindow } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { clientError, PostofficeError } from "./errors.js";
import { Outbox, type OutboxKind } from "./outbox.js";
import type {
  Accepted,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  SendOptions,
  SocketFactory,
  SocketLike,
} from "./types.js";

type Frame = ServerFrame & { ref?: string };
type Timer = ReturnType<typeof setTimeout>;
interface Waiter {
  resolve: (frame: Frame) => void;
  reject: (error: PostofficeError) => void;
}
interface JoinedData {
  position: number;
  recovered: boolean;
}

/** Closes after which trying again unchanged cannot succeed. */
const TERMINAL = new Set<number>([CLOSE_CODES.badRequest, CLOSE_CODES.tooManySessions]);
/** The least wait before reconnecting after a 4429 (flooding) close. */
const FLOODING_FLOOR_MS = 1000;

/**
 * A Postoffice client for browsers and Node: connects and authenticates, reconnects with
 * backoff and jitter, resumes its mailbox and rooms from the last sequence it handed to the
 * application (no gap, no duplicate), acknowledges mail once its listeners have finished,
 * queues sends while offline, and answers each send with its receipt.
 */
export class PostofficeClient extends Emitter<ClientEvents> {
  private socket: SocketLike | undefined;
  private state: ConnectionState = "closed";
  /** `close()` was called, or the server refused this client for good. */
  private terminated = false;
  private attempt = 0;
  private timer: Timer | undefined;
  /** Resets the backoff once a connection has stayed open a while. */
  private stableTimer: Timer | undefined;
  /** The `retryAfterMs` of the last `rate_limited` error on this connection. */
  private lastRetryAfterMs: number | undefined;
  private pendingConnect:
    | { promise: Promise<void>; resolve: () => void; reject: (error: PostofficeError) => void }
    | undefined;
  private counter = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  /** Last mailbox sequence handed to the application. */
  private position: number;
  /**
   * Whether `position` is this device's own: a new client with no stored position resumes
   * where the mailbox was last acknowledged instead of replaying all it keeps; it adopts the
   * start the server reports in `welcome` (`mailbox.after`).
   */
  private known: boolean;
  /** The `since` this connection resumed from (undefined: none given). */
  private sentSince: number | undefined;
  private expectsAuthWelcome = false;
  private ackedUpTo: number;
  /** The highest `markRead`, sent again after each welcome (it is idempotent). */
  private readUpTo = 0;
  /** Mailbox entries are handled one at a time, in order; so are position changes. */
  private inbox: Promise<void> = Promise.resolve();
  /** The rooms the application joined (and has not left): rejoined after a reconnect. */
  private readonly rooms = new Set<string>();
  /** The last room `seq` handed to the application, per room. */
  private readonly roomPositions = new Map<string, number>();
  private readonly outbox: Outbox;
  private readonly waiters = new Map<string, Waiter>();
  private readonly factory: SocketFactory;
  private readonly positionKey: string;

  constructor(private readonly options: ClientOptions) {
    super();
    const factory = options.WebSocket ?? (globalThis as { WebSocket?: SocketFactory }).WebSocket;
    if (factory === undefined) {
      throw new Error(
        "No WebSocket implementation: pass `WebSocket` (in Node 20, the `ws` package's).",
      );
    }
    this.factory = factory;
    this.positionKey = options.positionKey ?? `postoffice:position:${options.url}`;
    const stored = options.positions?.get(this.positionKey);
    this.position = Number(stored ?? 0) || 0;
    this.known = stored !== undefined && stored !== null;
    this.ackedUpTo = this.position;
    this.outbox = new Outbox((frame) => this.writeText(frame));
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /**
   * Connects, and resolves once authenticated. While a connection is under way (or the client
   * is reconnecting), it returns the same promise and opens no second socket; when connected,
   * it resolves at once. It does not reject on transient failures (server down, network
   * errors, drains): the client keeps retrying with backoff, so bound the wait yourself if you
   * need to. It rejects with `closed` when the client is closed, by `close()` or because the
   * server refused it for good (4400, 4409, or 4401 with a fixed token).
   */
  connect(): Promise<void> {
    if (this.terminated) return Promise.reject(this.closedError());
    if (this.state === "open") return Promise.resolve();
    if (this.pendingConnect === undefined) {
      let resolve: () => void = () => undefined;
      let reject: (error: PostofficeError) => void = () => undefined;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pendingConnect = { promise, resolve, reject };
    }
    const { promise } = this.pendingConnect;
    // Not started yet: start. Otherwise a socket or a reconnect timer is already on its way.
    if (this.state === "closed") void this.open();
    return promise;
  }

  /** Mail to a user. Resolves on `accepted` (or `delivered`), rejects with the server's code. */
  send(to: string, body: JsonObject, options: SendOptions = {}): Promise<Accepted> {
    return this.enqueue("mail", { ...body, to }, options);
  }

  /** A message to a room this client has joined. */
  sendToRoom(room: string, body: JsonObject): Promise<Accepted> {
    return this.enqueue("room", { ...body, room }, {});
  }

  async join(room: string): Promise<{ position: number; recovered: boolean }> {
    if (this.terminated) throw this.closedError();
    const wasJoined = this.rooms.has(room);
    // Messages replayed before `joined` belong to the room from now on.
    this.rooms.add(room);
    const since = this.roomPositions.get(room);
    let frame: Frame;
    try {
      frame = await this.request("join", { room, ...(since === undefined ? {} : { since }) }, (f) =>
        this.applyJoined(room, since, f.data as JoinedData),
      );
    } catch (error) {
      if (!wasJoined) {
        this.rooms.delete(room);
        this.roomPositions.delete(room);
      }
      throw error;
    }
    const data = frame.data as JoinedData;
    return { position: data.position, recovered: data.recovered };
  }

  /**
   * Leaves a room: from now on its messages are ignored, and it is not rejoined. While not
   * connected it resolves at once (the connection's membership ended with it).
   */
  async leave(room: string): Promise<void> {
    if (this.terminated) throw this.closedError();
    this.rooms.delete(room);
    this.roomPositions.delete(room);
    if (this.state !== "open") return;
    try {
      await this.request("leave", { room });
    } catch (error) {
      // A dropped connection left the room too; only `close()` makes this fail.
      if (!(error instanceof PostofficeError && error.code === "closed" && !this.terminated)) {
        throw error;
      }
    }
  }

  async who(room: string): Promise<string[]> {
    const frame = await this.request("who", { room });
    return (frame.data as { members: string[] }).members;
  }

  broadcast(body: JsonObject): Promise<Accepted> {
    return this.enqueue("broadcast", body, {});
  }

  /**
   * Tells the senders that mail up to `seq` was read. Made while offline, it is sent after the
   * next welcome (and again after each one: it is idempotent). Ignored after `close()`.
   */
  markRead(seq: number): void {
    if (this.terminated) return;
    if (seq > this.readUpTo) this.readUpTo = seq;
    this.write({ type: "read", data: { seq } });
  }

  /**
   * Resolves once the mail already received has been handled by its listeners and the server
   * has handled every frame sent before (acks included): replies come in frame order, so the
   * answer to a ping means all before it is done. Call it before `close()` to be sure the last
   * acknowledgements were kept. Rejects with `closed` when not connected.
   */
  async flush(): Promise<void> {
    if (this.terminated) throw this.closedError();
    await this.inbox;
    await this.request("ping", {});
  }

  /**
   * Closes for good: no reconnect, no further event (a mail listener already running
   * finishes); pending calls reject with `closed`, and so does every later call.
   */
  close(): void {
    if (this.terminated) return;
    this.shutdown(this.closedError());
  }

  private closedError(): PostofficeError {
    return clientError("closed", "client_closed", "The client is closed.");
  }

  private shutdown(error: PostofficeError): void {
    this.terminated = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.stableTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      detach(socket);
      try {
        socket.close(1000, "client closed");
      } catch {
        // Already closing.
      }
    }
    this.outbox.abandon(error);
    this.rejectWaiters(error);
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.reject(error);
    this.setState("closed");
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }

  private enqueue(kind: OutboxKind, data: JsonObject, options: SendOptions): Promise<Accepted> {
    if (this.terminated) return Promise.reject(this.closedError());
    const id = this.nextId();
    const frame = JSON.stringify({
      type: kind === "broadcast" ? "broadcast" : "message",
      id,
      data,
    });
    return new Promise<Accepted>((resolve, reject) => {
      // Sent now if connected (and the pace allows); otherwise after the next welcome.
      this.outbox.add(
        id,
        kind,
        frame,
        {
          waitDelivered: options.waitFor === "delivered",
          deliveredTimeoutMs: options.deliveredTimeoutMs,
        },
        resolve,
        reject,
      );
    });
  }

  /**
   * Sends a frame with an `id` and resolves with the answer. `onAnswer` runs as soon as the
   * answer is read, before any later frame (a promise continuation would run after the
   * frames that came in the same chunk).
   */
  private request(
    type: string,
    data: JsonObject,
    onAnswer?: (frame: Frame) => void,
  ): Promise<Frame> {
    if (this.terminated) return Promise.reject(this.closedError());
    if (this.state !== "open") {
      return Promise.reject(
        clientError("closed", "not_connected", `Not connected: cannot ${type} now.`),
      );
    }
    const id = this.nextId();
    return new Promise((resolve, reject) => {
      this.waiters.set(id, {
        resolve: (frame) => {
          onAnswer?.(frame);
          resolve(frame);
        },
        reject,
      });
      this.write({ type, id, data });
    });
  }

  private write(frame: object): void {
    this.writeText(JSON.stringify(frame));
  }

  private writeText(text: string): boolean {
    if (this.state !== "open" || this.socket === undefined) return false;
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  private rejectWaiters(error: PostofficeError): void {
    for (const [ref, waiter] of this.waiters) {
      this.waiters.delete(ref);
      waiter.reject(error);
    }
  }

  private async open(): Promise<void> {
    this.setState(this.state === "reconnecting" ? "reconnecting" : "connecting");
    let token: string | undefined;
    try {
      token =
        typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (error) {
      if (this.terminated) return;
      this.fail(error);
      this.scheduleReconnect(undefined);
      return;
    }
    if (this.terminated || this.socket !== undefined) return;
    this.lastRetryAfterMs = undefined;
    // Anonymous: the server names the session from the URL and greets it at once; the
    // mailbox position then travels as `?since=`.
    let socket: SocketLike;
    try {
      let url = this.options.url;
      if (token === undefined) {
        this.sentSince = this.resume().since;
        if (this.sentSince !== undefined) url = withSince(url, this.sentSince);
      }
      socket = new this.factory(url, [PROTOCOL_VERSION]);
    } catch (error) {
      this.fail(error);
      this.scheduleReconnect(undefined);
      return;
    }
    this.socket = socket;
    this.expectsAuthWelcome = token !== undefined;
    // Every handler checks that its socket is still the client's: a late frame or close of an
    // older socket is ignored.
    socket.onopen = () => {
      if (token === undefined || this.socket !== socket) return;
      const resume = this.resume();
      this.sentSince = resume.since;
      socket.send(JSON.stringify({ type: "auth", id: "auth", data: { token, ...resume } }));
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(socket, String(event.data));
    };
    socket.onerror = () => undefined; // the close event follows and decides what to do
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    clearTimeout(this.stableTimer);
    this.rejectWaiters(
      clientError(
        "closed",
        "connection_closed",
        `The connection closed (${code}) before the answer.`,
      ),
    );
    this.outbox.disconnected();
    if (this.terminated) return;
    const fatal =
      TERMINAL.has(code) ||
      (code === CLOSE_CODES.unauthorized && typeof this.options.token === "string");
    if (fatal) {
      const error = new PostofficeError(
        "closed",
        `The server refused this client (${code} ${reason}).`,
        { reason: reason || "refused" },
      );
      void this.emit("error", error);
      if (!this.terminated) this.shutdown(error);
      return;
    }
    if (code === CLOSE_CODES.flooding) {
      // Sent too fast: wait at least what the server asked before trying again.
      this.scheduleReconnect(undefined, Math.max(FLOODING_FLOOR_MS, this.lastRetryAfterMs ?? 0));
      return;
    }
    this.scheduleReconnect(code === CLOSE_CODES.goingAway ? drainWindow(reason) : undefined);
  }

  private scheduleReconnect(window: number | undefined, floorMs = 0): void {
    const { initialDelayMs = 250, maxDelayMs = 30_000 } = this.options.reconnect ?? {};
    const delay =
      window !== undefined
        ? Math.floor(Math.random() * window)
        : floorMs + backoffDelay(this.attempt, initialDelayMs, maxDelayMs);
    this.attempt += 1;
    this.setState("reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, delay);
  }

  private receive(socket: SocketLike, text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch (error) {
      this.fail(error);
      return;
    }
    switch (frame.type) {
      case "welcome":
        // With a token, only the answer to our `auth` counts: an anonymous server greets
        // every connection at once, before the token has been checked.
        if (this.expectsAuthWelcome && frame.ref !== "auth") return;
        this.welcomed(socket, frame.data);
        return;
      case "message":
        if ("room" in frame.data) this.roomMessage(frame.data);
        else this.mailboxEntry(frame.data.seq, () => this.emit("mail", frame.data as Mail));
        return;
      case "receipt": {
        const { status, id, ts, seq } = frame.data;
        const ref = frame.ref;
        if (status === "accepted") {
          if (ref !== undefined) this.outbox.accepted(ref, { id, ref, ts });
          return;
        }
        if (ref !== undefined) this.outbox.delivered(ref);
        if (seq !== undefined) {
          const receipt = { status, ref, mailId: id, to: frame.data.to ?? "", ts };
          this.mailboxEntry(seq, () => this.emit("receipt", receipt));
        }
        return;
      }
      case "error": {
        const error = new PostofficeError(frame.data.code, frame.data.message, frame.data);
        if (error.code === "rate_limited" && typeof frame.data.retryAfterMs === "number") {
          this.lastRetryAfterMs = frame.data.retryAfterMs;
        }
        const ref = frame.ref;
        if (ref !== undefined && this.outbox.failed(ref, error)) return;
        const waiter = ref === undefined ? undefined : this.waiters.get(ref);
        if (waiter && ref !== undefined) {
          this.waiters.delete(ref);
          waiter.reject(error);
          return;
        }
        void this.emit("error", error);
        return;
      }
      case "presence":
        if (!("event" in frame.data)) this.answer(frame);
        else if (this.rooms.has(frame.data.room)) void this.emit("presence", frame.data);
        return;
      case "broadcast":
        void this.emit("broadcast", frame.data);
        return;
      default:
        this.answer(frame);
    }
  }

  private answer(frame: Frame): void {
    const waiter = frame.ref === undefined ? undefined : this.waiters.get(frame.ref);
    if (!waiter || frame.ref === undefined) return;
    this.waiters.delete(frame.ref);
    waiter.resolve(frame);
  }

  private welcomed(
    socket: SocketLike,
    data: { user: string; roles: string[]; sessionId: string; mailbox?: { after?: unknown } },
  ): void {
    const after = typeof data.mailbox?.after === "number" ? data.mailbox.after : undefined;
    const since = this.sentSince;
    if (after !== undefined && since !== undefined && after < since) {
      // The mailbox's numbering started again (the server lowered our `since` to its end).
      this.step(() => {
        this.position = 0;
        this.known = true;
        this.ackedUpTo = 0;
        this.readUpTo = 0;
        this.persist(0);
        void this.emit("mailboxReset", { previous: since, after });
      });
      if (after > 0) {
        // What the new mailbox already holds is not replayed to this session: start again
        // from 0 on a new connection, once the position has been reset.
        detach(socket);
        this.socket = undefined;
        socket.close(1000, "mailbox reset: resuming from 0");
        this.inbox = this.inbox.then(() => {
          if (!this.terminated && this.socket === undefined && this.timer === undefined) {
            void this.open();
          }
        });
        return;
      }
    } else if (after !== undefined && !this.known) {
      // A new device: the server's starting point becomes this device's position, so that a
      // reconnect resumes from it (receipts acknowledged by another device included).
      this.step(() => {
        if (this.known) return;
        this.position = after;
        this.ackedUpTo = after;
        this.known = true;
        this.persist(after);
      });
    }
    clearTimeout(this.stableTimer);
    const { resetAfterMs = 10_000 } = this.options.reconnect ?? {};
    this.stableTimer = setTimeout(() => {
      this.attempt = 0;
    }, resetAfterMs);
    this.setState("open");
    if (this.terminated) return; // a `state` listener closed the client
    // An ack or read lost with the last connection is sent again (both are idempotent), so
    // that the senders' receipts are not held back.
    this.step(() => {
      this.ackedUpTo = 0;
      this.ack();
      if (this.readUpTo > 0) this.write({ type: "read", data: { seq: this.readUpTo } });
    });
    // Rooms first: the server handles frames in order, so the joins are done before the
    // queued room messages that follow.
    for (const room of this.rooms) this.rejoin(room);
    this.outbox.connected();
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.resolve();
    void this.emit("welcome", { user: data.user, roles: data.roles, sessionId: data.sessionId });
  }

  private rejoin(room: string): void {
    const since = this.roomPositions.get(room);
    this.request("join", { room, ...(since === undefined ? {} : { since }) }, (frame) => {
      const data = frame.data as JoinedData;
      const reset = this.applyJoined(room, since, data);
      if (since !== undefined && (reset || !data.recovered)) {
        void this.emit("roomReset", {
          room,
          since,
          position: data.position,
          recovered: data.recovered,
          renumbered: reset,
        });
      }
    }).then(
      () => undefined,
      (error: unknown) => {
        // A dropped connection: the next welcome tries again.
        if (!(error instanceof PostofficeError) || error.code === "closed") return;
        if (!this.rooms.has(room)) return;
        this.rooms.delete(room);
        this.roomPositions.delete(room);
        void this.emit(
          "error",
          new PostofficeError(error.code, `Could not rejoin ${room}: ${error.message}`, {
            ...error.details,
            room,
          }),
        );
      },
    );
  }

  /** Takes in a `joined`; true when the room's numbering started again (position < since). */
  private applyJoined(room: string, since: number | undefined, data: JoinedData): boolean {
    if (!this.rooms.has(room)) return false; // left meanwhile
    const current = this.roomPositions.get(room);
    if (since !== undefined && data.position < since) {
      this.roomPositions.set(room, data.position);
      return true;
    }
    if (current === undefined) this.roomPositions.set(room, data.position);
    return false;
  }

  private roomMessage(message: RoomMessage): void {
    // A message already on its way when the application left the room.
    if (!this.rooms.has(message.room)) return;
    const last = this.roomPositions.get(message.room);
    if (last !== undefined && message.seq <= last) return;
    this.roomPositions.set(message.room, message.seq);
    void this.emit("roomMessage", message);
  }

  /**
   * Hands mailbox entries to the application one at a time, each once (a repeat after a
   * reconnect is dropped by its sequence), and acknowledges after the listeners finished.
   */
  private mailboxEntry(seq: number, deliver: () => Promise<void>): void {
    this.step(async () => {
      if (this.terminated || seq <= this.position) return;
      // Listeners that throw still saw the entry (their errors go to `error`): not redelivered.
      await deliver();
      this.position = seq;
      this.known = true;
      this.persist(seq);
      this.ack();
    });
  }

  /** Runs `work` after what the inbox holds; one failure does not stop the inbox. */
  private step(work: () => void | Promise<void>): void {
    this.inbox = this.inbox.then(work).catch((error: unknown) => this.fail(error));
  }

  private persist(position: number): void {
    try {
      this.options.positions?.set(this.positionKey, String(position));
    } catch (error) {
      this.fail(error);
    }
  }

  private resume(): { since?: number } {
    return this.known ? { since: this.position } : {};
  }

  private ack(): void {
    if (this.position <= this.ackedUpTo || this.state !== "open") return;
    this.ackedUpTo = this.position;
    this.write({ type: "ack", data: { seq: this.position } });
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    void this.emit("state", state);
  }
}

/** Takes the client's handlers off a socket it no longer uses. */
function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Kept as a function: `ws` throws an `error` event that has no listener.
  socket.onerror = () => undefined;
}

function withSince(url: string, since: number): string {
  const parsed = new URL(url);
  parsed.searchParams.set("since", String(since));
  return parsed.toString();
}
