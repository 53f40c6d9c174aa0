import type { EventNoticeFrame, JsonObject, JsonValue, Mail } from "../protocol/index.js";
import { Connection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { clientError, closedError, PostofficeError } from "./errors.js";
import { MailboxCursor } from "./mailbox-cursor.js";
import { Outbox, type OutboxKind } from "./outbox.js";
import { type Frame, ReplyWaiters } from "./reply-waiters.js";
import { RoomTracker } from "./room-tracker.js";
import type {
  Accepted,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  EventMap,
  EventNotice,
  EventReceipt,
  NoticeListener,
  SendOptions,
  SocketLike,
} from "./types.js";

/** The client's own events: `on` with any other name listens to a declared event's notices. */
const CLIENT_EVENTS: ReadonlySet<string> = new Set(
  Object.keys({
    mail: true,
    roomMessage: true,
    receipt: true,
    presence: true,
    broadcast: true,
    state: true,
    error: true,
    roomReset: true,
    mailboxReset: true,
    welcome: true,
    event: true,
  } satisfies Record<keyof ClientEvents, true>),
);

/** A declared notice's name that is not one of the client's own events. */
type NoticeName<Received> = Exclude<keyof Received & string, keyof ClientEvents>;

/**
 * A Postoffice client for browsers and Node: connects and authenticates, reconnects with
 * backoff and jitter, resumes its mailbox and rooms from the last sequence it handed to the
 * application (no gap, no duplicate), acknowledges mail once its listeners have finished,
 * queues sends while offline, and answers each send with its receipt.
 *
 * This class is the facade: it routes the server's frames to the parts that keep the
 * client's state — {@link Connection} (socket, reconnects), {@link MailboxCursor} (mailbox
 * position, acks, read marks), {@link RoomTracker} (joined rooms), {@link ReplyWaiters}
 * (requests) and {@link Outbox} (sends and their pace).
 *
 * `Sent` and `Received` type the declared events (see {@link EventMap}): what `emit` sends,
 * and what the notices listened to with `on` carry.
 */
export class PostofficeClient<
  Sent extends object = EventMap,
  Received extends object = EventMap,
> extends Emitter<ClientEvents> {
  private counter = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  private readonly connection: Connection;
  private readonly cursor: MailboxCursor;
  private readonly rooms: RoomTracker;
  private readonly waiters = new ReplyWaiters();
  private readonly outbox: Outbox;
  private readonly noticeListeners = new Map<string, Set<NoticeListener<unknown>>>();

  constructor(options: ClientOptions) {
    super();
    this.connection = new Connection(options, {
      resume: () => this.cursor.resume(),
      received: (socket, text) => this.receive(socket, text),
      dropped: (code) => {
        this.waiters.rejectAll(
          clientError(
            "closed",
            "connection_closed",
            `The connection closed (${code}) before the answer.`,
          ),
        );
        this.outbox.disconnected();
      },
      refused: (error) => void this.fire("error", error),
      abandoned: (error) => {
        this.outbox.abandon(error);
        this.waiters.rejectAll(error);
      },
      stateChanged: (state) => void this.fire("state", state),
      failed: (error) => this.fail(error),
    });
    this.cursor = new MailboxCursor(
      options.positions,
      options.positionKey ?? `postoffice:position:${options.url}`,
      {
        write: (frame) => this.write(frame),
        isOpen: () => this.connection.state === "open",
        isClosed: () => this.connection.terminated,
        reset: (event) => void this.fire("mailboxReset", event),
        failed: (error) => this.fail(error),
      },
    );
    this.rooms = new RoomTracker({
      request: (type, data, onAnswer) => this.request(type, data, onAnswer),
      reset: (event) => void this.fire("roomReset", event),
      rejoinFailed: (error) => void this.fire("error", error),
    });
    this.outbox = new Outbox((frame) => this.connection.write(frame));
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
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
    return this.connection.connect();
  }

  /** Mail to a user. Resolves on `accepted` (or `delivered`), rejects with the server's code. */
  send(to: string, body: JsonObject, options: SendOptions = {}): Promise<Accepted> {
    return this.enqueue("mail", { ...body, to }, options);
  }

  /** A message to a room this client has joined. */
  sendToRoom(room: string, body: JsonObject): Promise<Accepted> {
    return this.enqueue("room", { ...body, room }, {});
  }

  join(room: string): Promise<{ position: number; recovered: boolean }> {
    if (this.connection.terminated) return Promise.reject(closedError());
    return this.rooms.join(room);
  }

  /**
   * Leaves a room: from now on its messages are ignored, and it is not rejoined. While not
   * connected it resolves at once (the connection's membership ended with it).
   */
  async leave(room: string): Promise<void> {
    if (this.connection.terminated) throw closedError();
    this.rooms.leave(room);
    if (this.connection.state !== "open") return;
    try {
      await this.request("leave", { room });
    } catch (error) {
      // A dropped connection left the room too; only `close()` makes this fail.
      if (
        !(
          error instanceof PostofficeError &&
          error.code === "closed" &&
          !this.connection.terminated
        )
      ) {
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
   * Sends a declared event (docs/rules.md#events) and resolves with its receipt once every
   * action is done (`reply` and `mail` when it has them); rejects with the server's code
   * (`unknown_event`, `forbidden`, `rate_limited` with `details.retryAfterMs`, ...). `target` is
   * a room or `user:<id>`, as the event takes; leave it out (or `undefined`) for one that takes
   * none. Not queued while offline: it rejects with `closed` (`details.reason: "not_connected"`),
   * and one whose answer was lost with the connection rejects with `connection_closed`: its
   * actions may or may not have run.
   */
  async emit<E extends keyof Sent & string>(
    event: E,
    target?: string,
    payload?: Sent[E],
  ): Promise<EventReceipt> {
    const data: JsonObject = { event };
    if (target !== undefined) data.target = target;
    if (payload !== undefined) data.payload = payload as JsonValue;
    const frame = await this.request("event", data);
    if (frame.type !== "receipt") {
      throw new PostofficeError("internal_error", `Unexpected answer ${frame.type} to an event.`);
    }
    const { id, ts, reply, mail } = frame.data;
    const receipt: EventReceipt = {
      event: frame.data.event ?? event,
      id,
      ref: frame.ref ?? "",
      ts,
    };
    if (reply !== undefined) receipt.reply = reply;
    if (mail !== undefined) receipt.mail = mail;
    return receipt;
  }

  /**
   * Listens to one of the client's events (`mail`, `receipt`, `state`, `event`, ...), or to the
   * notices of a declared event by its name, with their payload. Returns the listener's removal.
   * A declared event named like one of the client's events is heard through `event`.
   */
  override on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void;
  override on<K extends NoticeName<Received>>(
    event: K,
    listener: NoticeListener<Received[K]>,
  ): () => void;
  override on(event: string, listener: (...args: never[]) => unknown): () => void {
    if (CLIENT_EVENTS.has(event)) {
      return super.on(event as keyof ClientEvents, listener as ClientEvents[keyof ClientEvents]);
    }
    let listeners = this.noticeListeners.get(event);
    if (listeners === undefined) {
      listeners = new Set();
      this.noticeListeners.set(event, listeners);
    }
    listeners.add(listener as NoticeListener<unknown>);
    return () =>
      this.off(event as keyof ClientEvents, listener as ClientEvents[keyof ClientEvents]);
  }

  override off<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): void;
  override off<K extends NoticeName<Received>>(
    event: K,
    listener: NoticeListener<Received[K]>,
  ): void;
  override off(event: string, listener: (...args: never[]) => unknown): void {
    if (CLIENT_EVENTS.has(event)) {
      super.off(event as keyof ClientEvents, listener as ClientEvents[keyof ClientEvents]);
      return;
    }
    this.noticeListeners.get(event)?.delete(listener as NoticeListener<unknown>);
  }

  /**
   * Tells the senders that mail up to `seq` was read. Made while offline, it is sent after the
   * next welcome (and again after each one: it is idempotent). Ignored after `close()`.
   */
  markRead(seq: number): void {
    if (this.connection.terminated) return;
    this.cursor.markRead(seq);
  }

  /**
   * Resolves once the mail already received has been handled by its listeners and the server
   * has handled every frame sent before (acks included): replies come in frame order, so the
   * answer to a ping means all before it is done. Call it before `close()` to be sure the last
   * acknowledgements were kept. Rejects with `closed` when not connected.
   */
  async flush(): Promise<void> {
    if (this.connection.terminated) throw closedError();
    await this.cursor.settled;
    await this.request("ping", {});
  }

  /**
   * Closes for good: no reconnect, no further event (a mail listener already running
   * finishes); pending calls reject with `closed`, and so does every later call.
   */
  close(): void {
    if (this.connection.terminated) return;
    this.connection.terminate(closedError());
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }

  private enqueue(kind: OutboxKind, data: JsonObject, options: SendOptions): Promise<Accepted> {
    if (this.connection.terminated) return Promise.reject(closedError());
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

  /** Sends a frame with an `id` and resolves with the answer (see {@link ReplyWaiters}). */
  private request(
    type: string,
    data: JsonObject,
    onAnswer?: (frame: Frame) => void,
  ): Promise<Frame> {
    if (this.connection.terminated) return Promise.reject(closedError());
    if (this.connection.state !== "open") {
      return Promise.reject(
        clientError("closed", "not_connected", `Not connected: cannot ${type} now.`),
      );
    }
    const id = this.nextId();
    return this.waiters.expect(id, () => this.write({ type, id, data }), onAnswer);
  }

  private write(frame: object): void {
    this.connection.write(JSON.stringify(frame));
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
        if (!this.connection.acceptsWelcome(frame.ref)) return;
        this.welcomed(socket, frame.data);
        return;
      case "message":
        if ("room" in frame.data) {
          if (this.rooms.accept(frame.data)) void this.fire("roomMessage", frame.data);
        } else this.cursor.entry(frame.data.seq, () => this.fire("mail", frame.data as Mail));
        return;
      case "receipt": {
        if (frame.data.event !== undefined) {
          this.waiters.answer(frame);
          return;
        }
        const { status, id, ts, seq } = frame.data;
        const ref = frame.ref;
        if (status === "accepted") {
          if (ref !== undefined) this.outbox.accepted(ref, { id, ref, ts });
          return;
        }
        if (ref !== undefined) this.outbox.delivered(ref);
        if (seq !== undefined) {
          const receipt = { status, ref, mailId: id, to: frame.data.to ?? "", ts };
          this.cursor.entry(seq, () => this.fire("receipt", receipt));
        }
        return;
      }
      case "error": {
        const error = new PostofficeError(frame.data.code, frame.data.message, frame.data);
        // An event's own rate limit (it has a `reason`) is that event's, not the connection's.
        if (
          error.code === "rate_limited" &&
          typeof frame.data.retryAfterMs === "number" &&
          frame.data.reason === undefined
        ) {
          this.connection.rateLimited(frame.data.retryAfterMs);
        }
        const ref = frame.ref;
        if (ref !== undefined && this.outbox.failed(ref, error)) return;
        if (this.waiters.reject(ref, error)) return;
        void this.fire("error", error);
        return;
      }
      case "presence":
        if (!("event" in frame.data)) this.waiters.answer(frame);
        else if (this.rooms.has(frame.data.room)) void this.fire("presence", frame.data);
        return;
      case "broadcast":
        void this.fire("broadcast", frame.data);
        return;
      case "event":
        this.notice(frame);
        return;
      // Without `ref`: a join the server made (chat mode's room), or one it could not make;
      // not ours before our welcome (an anonymous server's greeting to a client with a token).
      case "joined":
        if (frame.ref !== undefined) this.waiters.answer(frame);
        else if (this.connection.state === "open") {
          this.rooms.serverJoined(frame.data.room, frame.data.position);
        }
        return;
      case "left":
        if (frame.ref !== undefined) this.waiters.answer(frame);
        else if (this.connection.state === "open") this.rooms.serverLeft(frame.data.room);
        return;
      default:
        this.waiters.answer(frame);
    }
  }

  /** A declared event's notice: to the `event` listeners, then to those of its name. */
  private notice(frame: EventNoticeFrame): void {
    const notice: EventNotice = frame.data;
    void this.fire("event", notice);
    for (const listener of [...(this.noticeListeners.get(notice.event) ?? [])]) {
      try {
        const result = listener(notice.payload, notice);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(error));
      } catch (error) {
        this.fail(error);
      }
    }
  }

  private welcomed(
    socket: SocketLike,
    data: {
      user: string;
      roles: string[];
      sessionId: string;
      mailbox?: { after?: unknown };
      rooms?: unknown;
    },
  ): void {
    const after = typeof data.mailbox?.after === "number" ? data.mailbox.after : undefined;
    if (this.cursor.welcomed(after)) {
      this.connection.restart(socket, "mailbox reset: resuming from 0");
      this.cursor.afterInbox(() => this.connection.reopenIfIdle());
      return;
    }
    // The rooms the server joins this connection to are the client's before any of their frames.
    const rooms = Array.isArray(data.rooms)
      ? data.rooms.filter((room): room is string => typeof room === "string")
      : [];
    this.rooms.arriving(rooms);
    this.connection.established();
    if (this.connection.terminated) return; // a `state` listener closed the client
    this.cursor.resend();
    // Rooms first: the server handles frames in order, so the joins are done before the
    // queued room messages that follow.
    this.rooms.rejoinAll();
    this.outbox.connected();
    this.connection.ready();
    const { user, roles, sessionId } = data;
    void this.fire("welcome", { user, roles, sessionId, rooms });
  }
}
