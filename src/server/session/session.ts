import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { ClientFrame, ErrorCode, ServerFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import type { Metrics } from "../metrics/metrics.js";
import type { MailboxFeed } from "../router/mailbox-feed.js";
import type { WriteBatcher } from "./write-batcher.js";

export type FrameHandler = (session: Session, frame: ClientFrame) => void | Promise<void>;

/**
 * One connection: its identity once authenticated, its outbound writes, and the order in
 * which its frames are handled. Frames are handled one at a time: a frame that waits (auth,
 * a store write) holds the ones behind it, so replies come in the order of the requests and
 * mail sent right after `auth` is handled as the authenticated user.
 */
export class Session {
  readonly id = randomUUID();
  readonly connectedAt = Date.now();
  identity: Identity | undefined;
  feed: MailboxFeed | undefined;
  /** Closes the session if it has not authenticated in time. */
  authTimer: NodeJS.Timeout | undefined;
  /** Closes the session when its token expires. */
  expiryTimer: NodeJS.Timeout | undefined;
  /** Mail of this session waiting for the store (see handlers/message-handler.ts). */
  sendsInFlight = 0;
  /** The last reply to a send, so the next reply follows it. Never rejects. */
  lastReply: Promise<void> = Promise.resolve();
  /** Set by the heartbeat's ping, cleared by any sign of life. */
  awaitingPong = false;
  private closed = false;
  private busy = false;
  private readonly inbox: ClientFrame[] = [];

  constructor(
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly batcher: WriteBatcher,
    private readonly metrics: Metrics,
    private readonly handle: FrameHandler,
    private readonly onHandlerError: (session: Session, frame: ClientFrame, error: unknown) => void,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  sendText(text: string): void {
    if (this.closed) return;
    this.batcher.cork(this.socket);
    this.ws.send(text);
    this.metrics.framesOut.inc();
  }

  sendError(
    code: ErrorCode,
    message: string,
    extra?: { ref?: string; reason?: string; field?: string },
  ): void {
    this.metrics.errors.inc({ code });
    const { ref, ...details } = extra ?? {};
    this.send({
      type: "error",
      ...(ref === undefined ? {} : { ref }),
      data: { code, message, ...details },
    });
  }

  /** Queues a decoded frame; frames are handled in arrival order, one at a time. */
  receive(frame: ClientFrame): void {
    if (this.closed) return;
    this.inbox.push(frame);
    if (!this.busy) this.drain();
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
      const frame = this.inbox.shift();
      if (frame === undefined) return;
      let pending: void | Promise<void>;
      try {
        pending = this.handle(this, frame);
      } catch (error) {
        this.onHandlerError(this, frame, error);
        continue;
      }
      if (pending === undefined) continue;
      this.busy = true;
      pending
        .catch((error: unknown) => this.onHandlerError(this, frame, error))
        .finally(() => {
          this.busy = false;
          this.drain();
        });
    }
  }
}
