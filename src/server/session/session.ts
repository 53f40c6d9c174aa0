import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import {
  CLOSE_CODES,
  type DecodeResult,
  type ErrorCode,
  type ServerFrame,
} from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import type { BrokerMessage } from "../broker/broker.js";
import type { Metrics } from "../metrics/metrics.js";
import type { MailboxFeed } from "../router/mailbox-feed.js";
import { type PreparedFrame, writeFrame } from "./prepared-frame.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { WriteBatcher } from "./write-batcher.js";

export type FrameHandler = (session: Session, frame: DecodeResult) => void | Promise<void>;

type Task = () => void | Promise<void>;

/** Where every session's reply chain starts: one promise shared, not one per session. */
const SETTLED: Promise<void> = Promise.resolve();

export interface SessionDeps {
  batcher: WriteBatcher;
  metrics: Metrics;
  handle: FrameHandler;
  onTaskError: (session: Session, error: unknown) => void;
  outboundLimit: number;
  rateLimiter: RateLimiter;
}

/**
 * One connection: its identity once authenticated, its outbound writes, and the order in
 * which its frames are handled. Frames are handled one at a time: a frame that waits (auth)
 * holds the ones behind it, so mail sent right after `auth` is handled as the authenticated
 * user. Sends are pipelined (handlers/message-handler.ts), and every reply goes through
 * `inOrder`, so replies reach the client in the order of its frames.
 */
export class Session {
  readonly id = randomUUID();
  identity: Identity | undefined;
  feed: MailboxFeed | undefined;
  /** Closes the session if it has not authenticated in time. */
  authTimer: NodeJS.Timeout | undefined;
  /** Closes the session when its token expires. */
  expiryTimer: NodeJS.Timeout | undefined;
  /**
   * For clients of another protocol (the Broadcast Server's text lines): turns each native
   * frame into what they read, or undefined to send nothing.
   */
  render: ((frame: string) => string | undefined) | undefined;
  /** The display name reserved for this connection in chat mode, freed when it closes. */
  chatName: string | undefined;
  /**
   * Live room messages held while the session catches up on a room's log (see RoomRouter);
   * made on the first catch-up, as most sessions never need one.
   */
  roomHolds: Map<string, BrokerMessage[]> | undefined;
  /** Rooms this session is in, each with the last room sequence it was sent. */
  readonly rooms = new Map<string, number>();
  /** Mail of this session waiting for the store (see handlers/message-handler.ts). */
  sendsInFlight = 0;
  /** Set when the session is being closed for what it sent: later frames are ignored. */
  inputClosed = false;
  /** Set by the heartbeat's ping, cleared by any sign of life. */
  awaitingPong = false;
  private lastReply: Promise<void> = SETTLED;
  private closed = false;
  private busy = false;
  private readonly inbox: Task[] = [];

  readonly rateLimiter: RateLimiter;
  private readonly batcher: WriteBatcher;
  private readonly metrics: Metrics;
  private readonly handle: FrameHandler;
  private readonly onTaskError: (session: Session, error: unknown) => void;
  /** Bytes held for this client past which it is a slow reader. */
  private readonly outboundLimit: number;

  constructor(
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    deps: SessionDeps,
  ) {
    this.batcher = deps.batcher;
    this.metrics = deps.metrics;
    this.handle = deps.handle;
    this.onTaskError = deps.onTaskError;
    this.outboundLimit = deps.outboundLimit;
    this.rateLimiter = deps.rateLimiter;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  /**
   * Writes a frame (corked until the end of the event-loop turn). A client that lets more
   * than `outboundLimit` bytes pile up is closed with 1013; its mail stays in its mailbox.
   */
  sendText(text: string): void {
    if (this.closed) return;
    const out = this.render === undefined ? text : this.render(text);
    if (out !== undefined) this.write(out);
  }

  /** A frame shared by many sessions (fan-out): framed once, the same bytes for all. */
  sendPrepared(frame: PreparedFrame): void {
    if (this.closed) return;
    if (this.render === undefined) this.write(frame);
    else this.sendText(frame.text);
  }

  private write(frame: PreparedFrame | string): void {
    this.batcher.cork(this.socket);
    if (!writeFrame(this.ws, this.socket, frame)) return;
    this.metrics.framesSent += 1;
    if (this.ws.bufferedAmount > this.outboundLimit) {
      this.metrics.slowReaders.inc();
      this.close(CLOSE_CODES.slowReader, "slow_reader");
    }
  }

  sendError(
    code: ErrorCode,
    message: string,
    extra?: {
      ref?: string;
      reason?: string;
      field?: string;
      pointer?: string;
      retryAfterMs?: number;
    },
  ): void {
    this.metrics.errors.inc({ code });
    const { ref, ...details } = extra ?? {};
    this.send({
      type: "error",
      ref,
      data: { code, message, ...details },
    });
  }

  /** Emits a reply after the replies to earlier frames (pending sends) have gone out. */
  inOrder(reply: () => void): void {
    if (this.sendsInFlight === 0) {
      reply();
      return;
    }
    this.lastReply = this.lastReply.then(reply);
  }

  /** Chains a reply that will be ready later (a send's outcome) behind the earlier ones. */
  replyWhenSettled<T>(outcome: Promise<T>, reply: (result: T) => void): Promise<void> {
    this.lastReply = Promise.all([outcome, this.lastReply]).then(([result]) => reply(result));
    return this.lastReply;
  }

  /** Queues a decoded frame (or its decoding error); handled in arrival order, one at a time. */
  receive(frame: DecodeResult): void {
    this.enqueue(() => this.handle(this, frame));
  }

  /** Runs a task in the frame queue: frames that arrive meanwhile wait for it. */
  enqueue(task: Task): void {
    if (this.closed) return;
    this.inbox.push(task);
    if (!this.busy) this.drain();
  }

  /**
   * Undefined while the client has room (half the outbound limit); otherwise resolves once
   * it has read what it was sent, or is gone.
   */
  roomForMore(): Promise<void> | undefined {
    if (this.closed || this.ws.bufferedAmount <= this.outboundLimit / 2) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /** Closes with a code; frames already sent are written first. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.length = 0;
    this.batcher.flush();
    this.ws.close(code, reason);
  }

  /** Marks the session gone (socket closed or terminated). */
  markClosed(): void {
    this.closed = true;
    this.inbox.length = 0;
    this.feed?.close();
  }

  private drain(): void {
    while (!this.busy && !this.closed) {
      const task = this.inbox.shift();
      if (task === undefined) return;
      let pending: void | Promise<void>;
      try {
        pending = task();
      } catch (error) {
        this.onTaskError(this, error);
        continue;
      }
      if (pending === undefined) continue;
      this.busy = true;
      pending
        .catch((error: unknown) => this.onTaskError(this, error))
        .finally(() => {
          this.busy = false;
          this.drain();
        });
    }
  }
}
