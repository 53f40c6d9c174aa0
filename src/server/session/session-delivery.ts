import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { CLOSE_CODES, type ErrorCode, type ServerFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import type { Dialect } from "../dialects/dialect.js";
import type { ConnectionMetrics } from "../metrics/metrics.js";
import { mailTsOf } from "../router/encode-entry.js";
import { type FrameEncoder, type PreparedFrame, writeFrame } from "../wire/prepared-frame.js";
import type { WriteBatcher } from "../wire/write-batcher.js";
import { FrameQueue } from "./frame-queue.js";

/** What delivery needs of the endpoint's shared session context (session.ts's SessionContext). */
export interface DeliveryContext {
  dialect: Dialect;
  batcher: WriteBatcher;
  /** The metrics of this endpoint's connections (labelled with its dialect). */
  metrics: ConnectionMetrics;
  /** Bytes held for a client past which it is a slow reader. */
  outboundLimit: number;
  /** For a dialect whose clients never `ack`: the user's mailbox, read up to `seq`. */
  acknowledge: (userId: string, seq: number) => void;
}

export interface ErrorDetails {
  ref?: string | undefined;
  reason?: string;
  field?: string;
  pointer?: string;
  retryAfterMs?: number;
}

/**
 * The outbound half of a session: frames in its dialect's words, written to its socket
 * (corked per turn by the WriteBatcher), mailbox entries handed over, and the outbound limit
 * that cuts a slow reader. A base class of Session (as FrameQueue is), not a member object:
 * an idle connection costs no object for it.
 */
export abstract class SessionDelivery extends FrameQueue {
  /** Set once the connection is closing or closed: nothing more is written. */
  protected closed = false;

  constructor(
    protected readonly ws: WebSocket,
    protected readonly socket: Duplex,
    protected readonly context: DeliveryContext,
    /** The dialect's words for a client that does not read native frames; undefined: native. */
    private readonly encoder: FrameEncoder | undefined,
  ) {
    super();
  }

  /** The session's user once authenticated (acknowledgements on write are theirs). */
  abstract get identity(): Identity | undefined;

  /** Closes with a code; frames already sent are written first. */
  abstract close(code: number, reason: string): void;

  /** A frame for this session alone, in its dialect's words. */
  send(frame: ServerFrame): void {
    if (this.closed) return;
    if (this.encoder === undefined) {
      this.write(JSON.stringify(frame));
      return;
    }
    const text = this.encoder.encode(frame);
    if (text !== undefined) this.write(text);
  }

  /** Whether the client reads native frames: text made for them is written as it is. */
  get readsNative(): boolean {
    return this.encoder === undefined;
  }

  /** A native frame already encoded (a room's log). */
  sendText(text: string): void {
    this.handOver(text);
  }

  /**
   * An entry of the user's mailbox, from its feed (`live`: just sent, not replayed);
   * acknowledged at once where the dialect says so.
   */
  deliverMail(seq: number, frame: PreparedFrame | string, live: boolean): void {
    const handed = typeof frame === "string" ? this.handOver(frame) : this.handOverPrepared(frame);
    if (live && handed) {
      const acceptedAt = mailTsOf(typeof frame === "string" ? frame : frame.text);
      if (acceptedAt !== undefined) this.context.metrics.mailDelivered(acceptedAt);
    }
    const user = this.identity;
    if (handed && user !== undefined && this.context.dialect.acksOnWrite) {
      this.context.acknowledge(user.userId, seq);
    }
  }

  /** Writes an encoded native frame in the dialect's words; false if the socket took nothing. */
  private handOver(text: string): boolean {
    if (this.closed) return false;
    if (this.encoder === undefined) return this.write(text);
    const words = this.encoder.encode(JSON.parse(text) as ServerFrame);
    // Nothing to say is handed over too: the dialect chose to tell its client nothing.
    return words === undefined || this.write(words);
  }

  /** A frame shared by many sessions (fan-out): framed once, the same bytes for all. */
  sendPrepared(frame: PreparedFrame): void {
    this.handOverPrepared(frame);
  }

  /** handOver for a shared frame: translated once per dialect, not once per session. */
  private handOverPrepared(frame: PreparedFrame): boolean {
    if (this.closed) return false;
    if (this.encoder === undefined) return this.write(frame);
    const translated = frame.in(this.encoder);
    return translated === undefined || this.write(translated);
  }

  /** The dialect's own words (a reply of its own), written as they are. */
  sendReply(text: string): void {
    if (!this.closed) this.write(text);
  }

  sendError(code: ErrorCode, message: string, details?: ErrorDetails): void {
    this.context.metrics.errorSent(code);
    const { ref, ...rest } = details ?? {};
    this.send({ type: "error", ref, data: { code, message, ...rest } });
  }

  /**
   * Writes a frame (corked until the end of the event-loop turn). A client that lets more
   * than `outboundLimit` bytes pile up is closed with 1013; its mail stays in its mailbox
   * (false is returned then, as for a frame not written: it is not acknowledged for it).
   */
  private write(frame: PreparedFrame | string): boolean {
    const { batcher, metrics, outboundLimit } = this.context;
    batcher.cork(this.socket);
    if (!writeFrame(this.ws, this.socket, frame)) return false;
    metrics.frameOut();
    if (this.ws.bufferedAmount > outboundLimit) {
      metrics.slowReaderCut();
      this.close(CLOSE_CODES.slowReader, "slow_reader");
      return false;
    }
    return true;
  }

  /**
   * Undefined while the client has room (half the outbound limit); otherwise resolves once
   * it has read what it was sent, or is gone.
   */
  roomForMore(): Promise<void> | undefined {
    if (this.closed || this.ws.bufferedAmount <= this.context.outboundLimit / 2) return undefined;
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
}
