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
import { PostofficeError } from "./errors.js";
import { Outbox } from "./outbox.js";
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
interface Waiter {
  resolve: (frame: Frame) => void;
  reject: (error: PostofficeError) => void;
}

/** Closes after which trying again unchanged cannot succeed. */
const TERMINAL = new Set<number>([CLOSE_CODES.badRequest, CLOSE_CODES.tooManySessions]);

/**
 * A Postoffice client for browsers and Node: connects and authenticates, reconnects with
 * backoff and jitter, resumes its mailbox and rooms from the last sequence it handed to the
 * application (no gap, no duplicate), acknowledges mail once its handlers have returned,
 * queues sends while offline, and answers each send with its receipt.
 */
export class PostofficeClient extends Emitter<ClientEvents> {
  private socket: SocketLike | undefined;
  private state: ConnectionState = "closed";
  private attempt = 0;
  private closedByUser = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private counter = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  /** Last mailbox sequence handed to the application. */
  private position: number;
  /**
   * Whether `position` is this device's own: a new client with no stored position resumes
   * where the mailbox was last acknowledged instead of replaying all it keeps.
   */
  private known: boolean;
  private expectsAuthWelcome = false;
  private ackedUpTo: number;
  /** Mailbox entries are handled one at a time, in order. */
  private inbox: Promise<void> = Promise.resolve();
  private readonly rooms = new Map<string, number>();
  private readonly outbox = new Outbox();
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
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Connects; resolves once authenticated, rejects if the first attempt is refused. */
  connect(): Promise<void> {
    this.closedByUser = false;
    return new Promise((resolve, reject) => {
      const offWelcome = this.on("welcome", () => {
        offWelcome();
        offState();
        resolve();
      });
      const offState = this.on("state", (state) => {
        if (state !== "closed") return;
        offWelcome();
        offState();
        reject(new PostofficeError("closed", "The connection was refused or closed."));
      });
      void this.open();
    });
  }

  /** Mail to a user. Resolves on `accepted` (or `delivered`), rejects with the server's code. */
  send(to: string, body: JsonObject, options: SendOptions = {}): Promise<Accepted> {
    return this.enqueue({ to, ...body }, options);
  }

  /** A message to a room this client has joined. */
  sendToRoom(room: string, body: JsonObject): Promise<Accepted> {
    return this.enqueue({ room, ...body }, {});
  }

  async join(room: string): Promise<{ position: number; recovered: boolean }> {
    const since = this.rooms.get(room);
    const frame = await this.request("join", { room, ...(since === undefined ? {} : { since }) });
    const data = frame.data as { position: number; recovered: boolean };
    if (!this.rooms.has(room)) this.rooms.set(room, data.position);
    return data;
  }

  async leave(room: string): Promise<void> {
    this.rooms.delete(room);
    await this.request("leave", { room });
  }

  async who(room: string): Promise<string[]> {
    const frame = await this.request("who", { room });
    return (frame.data as { members: string[] }).members;
  }

  async broadcast(body: JsonObject): Promise<Accepted> {
    return this.enqueue(body, {}, "broadcast");
  }

  /** Tells the senders that mail up to `seq` was read. */
  markRead(seq: number): void {
    this.write({ type: "read", data: { seq } });
  }

  /**
   * Resolves once the server has handled every frame sent before (acks included): replies
   * come in frame order, so the answer to a ping means all before it is done. Call it before
   * `close()` to be sure the last acknowledgements were kept.
   */
  async flush(): Promise<void> {
    await this.request("ping", {});
  }

  /** Closes for good: no reconnect; pending calls reject. */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, "client closed");
    this.outbox.abandon();
    for (const [ref, waiter] of this.waiters) {
      this.waiters.delete(ref);
      waiter.reject(new PostofficeError("closed", "The client was closed."));
    }
    this.setState("closed");
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }

  private enqueue(data: JsonObject, options: SendOptions, type = "message"): Promise<Accepted> {
    const id = this.nextId();
    const frame = JSON.stringify({ type, id, data });
    return new Promise<Accepted>((resolve, reject) => {
      let accepted: Accepted | undefined;
      this.outbox.add(id, frame, {
        onAccepted: (value) => {
          accepted = value;
          if (options.waitFor !== "delivered") resolve(value);
        },
        onDelivered:
          options.waitFor === "delivered" ? () => resolve(accepted as Accepted) : undefined,
        onError: reject,
      });
      // Sent now if connected; otherwise queued, and sent in order after the next welcome.
      if (this.state === "open") this.socket?.send(frame);
    });
  }

  private request(type: string, data: JsonObject): Promise<Frame> {
    if (this.state !== "open") {
      return Promise.reject(new PostofficeError("closed", `Not connected: cannot ${type} now.`));
    }
    const id = this.nextId();
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.write({ type, id, data });
    });
  }

  private write(frame: object): void {
    if (this.state === "open") this.socket?.send(JSON.stringify(frame));
  }

  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    let token: string | undefined;
    try {
      token =
        typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (error) {
      void this.emit("error", error instanceof Error ? error : new Error(String(error)));
      this.scheduleReconnect(undefined);
      return;
    }
    if (this.closedByUser) return;
    // Anonymous: the server names the session from the URL and greets it at once; the
    // mailbox position then travels as `?since=`.
    const url =
      token === undefined && this.known
        ? withSince(this.options.url, this.position)
        : this.options.url;
    const socket = new this.factory(url, [PROTOCOL_VERSION]);
    this.socket = socket;
    this.expectsAuthWelcome = token !== undefined;
    socket.onopen = () => {
      if (token === undefined) return;
      socket.send(JSON.stringify({ type: "auth", id: "auth", data: { token, ...this.resume() } }));
    };
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onerror = () => undefined; // the close event follows and decides what to do
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    for (const [ref, waiter] of this.waiters) {
      this.waiters.delete(ref);
      waiter.reject(
        new PostofficeError("closed", `The connection closed (${code}) before the answer.`),
      );
    }
    if (this.closedByUser) return;
    const fatal =
      TERMINAL.has(code) ||
      (code === CLOSE_CODES.unauthorized && typeof this.options.token === "string");
    if (fatal) {
      void this.emit(
        "error",
        new PostofficeError("closed", `The server refused this client (${code} ${reason}).`),
      );
      this.outbox.abandon();
      this.setState("closed");
      return;
    }
    this.scheduleReconnect(code === CLOSE_CODES.goingAway ? drainWindow(reason) : undefined);
  }

  private scheduleReconnect(window: number | undefined): void {
    const { initialDelayMs = 250, maxDelayMs = 30_000 } = this.options.reconnect ?? {};
    const delay =
      window !== undefined
        ? Math.floor(Math.random() * window)
        : backoffDelay(this.attempt, initialDelayMs, maxDelayMs);
    this.attempt += 1;
    this.setState("reconnecting");
    this.timer = setTimeout(() => void this.open(), delay);
  }

  private receive(text: string): void {
    const frame = JSON.parse(text) as Frame;
    switch (frame.type) {
      case "welcome":
        // With a token, only the answer to our `auth` counts: an anonymous server greets
        // every connection at once, before the token has been checked.
        if (this.expectsAuthWelcome && frame.ref !== "auth") return;
        this.welcomed(frame.data);
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
        if ("event" in frame.data) void this.emit("presence", frame.data);
        else this.answer(frame);
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

  private welcomed(data: { user: string; roles: string[]; sessionId: string }): void {
    this.attempt = 0;
    this.setState("open");
    // An ack lost with the last connection is sent again (acks are idempotent), so that the
    // senders' `delivered` receipts are not held back.
    this.ackedUpTo = 0;
    this.ack();
    // Sends queued while offline, and any whose receipt was lost with the last connection.
    for (const frame of this.outbox.unanswered()) this.socket?.send(frame);
    for (const [room, since] of this.rooms) {
      this.write({ type: "join", id: this.nextId(), data: { room, since } });
    }
    void this.emit("welcome", { user: data.user, roles: data.roles, sessionId: data.sessionId });
  }

  private roomMessage(message: RoomMessage): void {
    const last = this.rooms.get(message.room);
    if (last !== undefined && message.seq <= last) return;
    this.rooms.set(message.room, message.seq);
    void this.emit("roomMessage", message);
  }

  /**
   * Hands mailbox entries to the application one at a time, each once (a repeat after a
   * reconnect is dropped by its sequence), and acknowledges after the handlers return.
   */
  private mailboxEntry(seq: number, deliver: () => Promise<void>): void {
    this.inbox = this.inbox.then(async () => {
      if (seq <= this.position) return;
      try {
        await deliver();
      } catch (error) {
        // A handler that throws still saw the mail; it is not delivered again.
        void this.emit("error", error instanceof Error ? error : new Error(String(error)));
      }
      this.position = seq;
      this.known = true;
      this.options.positions?.set(this.positionKey, String(seq));
      this.ack();
    });
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

function withSince(url: string, since: number): string {
  const parsed = new URL(url);
  parsed.searchParams.set("since", String(since));
  return parsed.toString();
}
