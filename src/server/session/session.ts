import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { CLOSE_CODES, type DecodeResult } from "../../protocol/index.js";
import type { Authenticator, Credentials } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { BrokerMessage } from "../broker/broker.js";
import type { Decoded, Dialect, DialectClient } from "../dialects/dialect.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { ConnectionMetrics } from "../metrics/metrics.js";
import type { RoomLog } from "../rooms/room-log.js";
import type { RoomMember } from "../rooms/room-member.js";
import { clientAddress } from "../wire/client-address.js";
import type { PreparedFrame } from "../wire/prepared-frame.js";
import type { MailboxFeed, MailboxReader } from "./mailbox-feed.js";
import { RateLimiter, type RateLimits } from "./rate-limiter.js";
import { RoomCursors } from "./room-cursors.js";
import { type DeliveryContext, SessionDelivery } from "./session-delivery.js";
import type { UserRateLimits } from "./user-rate-limits.js";

/**
 * Handles a decoded frame; `arrivedAt` is `performance.now()` when a `message` frame reached the
 * session (its accept latency is measured from there), 0 for other frames.
 */
export type FrameHandler = (
  session: Session,
  frame: DecodeResult,
  arrivedAt: number,
) => void | Promise<void>;

/** What every session of an endpoint shares: one object, not one field each per session. */
export interface SessionContext extends DeliveryContext {
  /** The endpoint's authenticators, for credentials sent in band (`auth`). */
  authenticator: Authenticator;
  handle: FrameHandler;
  onTaskError: (session: Session, error: unknown) => void;
  rate: RateLimits;
  userLimits: UserRateLimits;
  throttle: LogThrottle;
}

/**
 * What a connection holds while it has not authenticated: its place among the unauthenticated
 * and its budget of frames and bytes [LIMIT-7] (gateway/unauthenticated-connections.ts).
 */
export interface Probation {
  /** One more frame before authentication; false when it is one too many (the connection is closing). */
  frame(): boolean;
  /** The connection authenticated or closed: gives back what it held. Called once. */
  end(): void;
}

/** What the gateway knows of a connection at its upgrade, besides its admission. */
export interface Arrival {
  /** Set while the connection has not authenticated (not for one identified in its handshake). */
  probation?: Probation | undefined;
  /**
   * Set when it replaces a connection (Admission.supersede): resolves once what was written to
   * that one is acknowledged, so that this one's mailbox starts after it.
   */
  handover?: Promise<void> | undefined;
}

export type { ErrorDetails } from "./session-delivery.js";

/**
 * One connection: its identity once authenticated, its limits, its outbound writes, and its
 * delivery: the mailbox feed and the room cursors. Its state is its own; other modules change
 * it only through these methods. The order of frames and replies is FrameQueue's.
 */
export class Session
  extends SessionDelivery
  implements RoomMember, MailboxReader, DialectClient<unknown>
{
  readonly id = randomUUID();
  private user: Identity | undefined;
  private feed: MailboxFeed | undefined;
  private rooms: RoomCursors | undefined;
  /** One timer at a time: authenticate in time, then the token's expiry. */
  private deadline: NodeJS.Timeout | undefined;
  /** Set when the session is being closed for what it sent: later frames are ignored. */
  private inputClosed = false;
  /** Set by a drain: the close waits for the answers owed (closeAfterReplies). */
  private closing: { code: number; reason: string; turn: number; due: boolean } | undefined;
  /** Set by the heartbeat's ping, cleared by any sign of life. */
  private awaitingPong = false;
  /** Made at the first frame: an idle connection holds no buckets (they start full either way). */
  private rateLimiter: RateLimiter | undefined;
  /** The dialect's record of this connection, given back to it on close. */
  readonly dialectState: unknown;
  private probation: Probation | undefined;
  /** The user id the client claimed in its handshake (Admission.claimedId). */
  private readonly claimedId: string | undefined;

  /** The whole shared context (delivery's part is typed as DeliveryContext in the base). */
  declare protected readonly context: SessionContext;

  constructor(
    ws: WebSocket,
    socket: Duplex,
    context: SessionContext,
    admitted: { state?: unknown; readsNative: boolean; claimedId?: string },
    arrival: Arrival,
  ) {
    super(ws, socket, context, admitted.readsNative ? undefined : context.dialect);
    this.dialectState = admitted.state;
    this.probation = arrival.probation;
    this.claimedId = admitted.claimedId;
  }

  get identity(): Identity | undefined {
    return this.user;
  }

  get dialect(): Dialect {
    return this.context.dialect;
  }

  get authenticator(): Authenticator {
    return this.context.authenticator;
  }

  /**
   * The client's address (for authenticators that ration by address; never an identity), read
   * from the socket when asked: most sessions never need it (wire/client-address.ts).
   */
  get address(): string {
    return clientAddress(this.socket);
  }

  /** A token this client sent, with what the session knows of who it may be. */
  credentials(token: string): Credentials {
    const socket = this.socket;
    const credentials: Credentials = {
      token,
      // Read only by an authenticator that rations by address.
      get address() {
        return clientAddress(socket);
      },
    };
    if (this.claimedId !== undefined) credentials.claimedUserId = this.claimedId;
    return credentials;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get metrics(): ConnectionMetrics {
    return this.context.metrics;
  }

  // ---- identity and mailbox (session-lifecycle.ts decides when) ----------------------------

  /** Becomes this user (first, or anonymous to real): the old user's mail stops until `follow`. */
  bind(identity: Identity): void {
    this.feed?.close();
    this.user = identity;
    this.endProbation();
  }

  /** A fresh token of the same user: new claims and expiry, the same mailbox feed. */
  refresh(identity: Identity): void {
    this.user = identity;
  }

  /** Delivery of the user's mailbox, replayed then live; this session is its reader. */
  follow(feed: MailboxFeed): void {
    this.feed?.close();
    this.feed = feed;
  }

  /** The highest mailbox sequence handed to this session. */
  get mailboxPosition(): number {
    return this.feed?.position ?? 0;
  }

  /** Live mail (or a receipt) of this session's user, from the broker. */
  offerMail(message: BrokerMessage, prepared?: PreparedFrame): void {
    this.feed?.offer(message, prepared);
  }

  /** An event's notice to this session's user; none before the welcome has gone out. */
  deliverNotice(frame: PreparedFrame): void {
    if (this.feed?.started) this.sendPrepared(frame);
  }

  /** Calls `expire(this, arg)` after `delayMs` unless re-armed or cleared first. */
  setDeadline<T>(delayMs: number, expire: (session: Session, arg: T) => void, arg: T): void {
    clearTimeout(this.deadline);
    // The callback is shared by all sessions, the session passed as an argument: no closure each.
    this.deadline = setTimeout(expire, delayMs, this, arg);
    this.deadline.unref();
  }

  clearDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  // ---- frames in ---------------------------------------------------------------------------

  /** A frame arrived, a sign of life. False once the session reads no more (closing for it). */
  noteInput(): boolean {
    this.awaitingPong = false;
    return !this.inputClosed;
  }

  /** A data frame, counted against the budget of a connection not yet authenticated [LIMIT-7]. */
  admitFrame(): boolean {
    return this.probation?.frame() ?? true;
  }

  /**
   * A decoded frame, against the rate limits [LIMIT-1], then into the frame queue. A refusal
   * is an error in reply order; a client that keeps flooding is closed (4429) [LIMIT-2].
   */
  receive(decoded: Decoded): void {
    if (this.inputClosed) return;
    const type =
      decoded === undefined
        ? "ignored"
        : "reply" in decoded
          ? "reply"
          : decoded.ok
            ? decoded.frame.type
            : "invalid";
    const { metrics, userLimits, throttle } = this.context;
    metrics.frameIn(type);
    if (this.closing !== undefined) {
      this.refuseWhileClosing(decoded);
      return;
    }
    const userId = this.user?.userId;
    const ref = decoded === undefined || "reply" in decoded ? undefined : refOf(decoded);
    this.rateLimiter ??= new RateLimiter(this.context.rate);
    const rate = this.rateLimiter.check(
      type,
      userId === undefined ? undefined : userLimits.for(userId),
      ref,
    );
    if (!rate.ok) {
      throttle.warn("rate_limited", { session: this.id, user: userId }, "frames refused for rate");
      if (rate.flooding) {
        // Read nothing more; the replies already owed go out first, then this error and the close.
        this.inputClosed = true;
        this.enqueue(() =>
          this.inOrder(() => {
            this.sendError("rate_limited", "Too many frames refused in a row: closing.", {
              retryAfterMs: rate.retryAfterMs,
            });
            this.close(CLOSE_CODES.flooding, "rate_limited");
          }),
        );
        return;
      }
      const refused: DecodeResult = {
        ok: false,
        code: "rate_limited",
        message:
          rate.heldBehind === undefined
            ? `Too many frames; retry after ${rate.retryAfterMs} ms.`
            : `Not handled: the send ${rate.heldBehind} was refused for rate before it; send that one again first, then this one.`,
        retryAfterMs: rate.retryAfterMs,
        ref,
      };
      this.enqueue(() => this.context.handle(this, refused, 0));
      return;
    }
    if (decoded === undefined) return;
    if ("reply" in decoded) {
      const { reply } = decoded;
      this.enqueue(() =>
        this.inOrder(() => {
          const text = typeof reply === "string" ? reply : reply(this);
          if (text !== undefined) this.sendReply(text);
        }),
      );
      return;
    }
    // The one clock read of a frame, for `message` only (no new closure: the task captures it).
    const arrivedAt = type === "message" ? performance.now() : 0;
    this.enqueue(() => this.context.handle(this, decoded, arrivedAt));
  }

  // ---- rooms (the RoomMember port of rooms/ and router/) -----------------------------------

  get roomCount(): number {
    return this.rooms?.size ?? 0;
  }

  inRoom(room: string): boolean {
    return this.rooms?.has(room) ?? false;
  }

  roomList(): string[] {
    return this.rooms?.rooms() ?? [];
  }

  followRoom(room: string, after: number, hold: boolean): void {
    this.rooms ??= new RoomCursors(this);
    this.rooms.follow(room, after, hold);
  }

  catchUpRoom(room: string, log: Pick<RoomLog, "after">): Promise<boolean> {
    this.rooms ??= new RoomCursors(this);
    return this.rooms.catchUp(room, log);
  }

  releaseRoom(room: string): void {
    this.rooms?.release(room);
  }

  deliverRoom(room: string, seq: number, frame: PreparedFrame): void {
    if (!this.closed) this.rooms?.deliver(room, seq, frame);
  }

  leaveRoom(room: string): void {
    this.rooms?.leave(room);
  }

  // ---- liveness and the end ----------------------------------------------------------------

  /** The heartbeat's tick: false if the last ping went unanswered; else pings again. */
  pulse(): boolean {
    if (this.awaitingPong) return false;
    this.awaitingPong = true;
    this.ws.ping();
    return true;
  }

  /** Cuts the connection at once (no close handshake): a dead peer, or a drain's deadline. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Closes for what the client sent: what it sent after is not read, let alone handled. */
  stopReading(code: number, reason: string): void {
    this.inputClosed = true;
    this.close(code, reason);
  }

  /**
   * A drain's close [OPS-1]: every frame read so far is handled and answered first (a send
   * waiting for the store gets its receipt or its error), then the close. Frames read meanwhile
   * are not handled: each is answered `server_shutdown`, to be sent again after reconnecting.
   * So no send read before the close is left without an answer, unless the drain's deadline
   * cuts the connection; and a client that keeps sending does not hold the drain up.
   */
  closeAfterReplies(code: number, reason: string): void {
    if (this.closed || this.closing !== undefined) return;
    this.closing = { code, reason, turn: 0, due: false };
    this.closeInTurn();
  }

  /**
   * Queues the close behind every frame queued so far; a later call supersedes it, until every
   * answer owed has gone out (`due`). Then the close waits one more turn of the event loop, so
   * that frames already in the socket are read and refused first (at once: nothing is in
   * flight any more), and no longer.
   */
  private closeInTurn(): void {
    const closing = this.closing;
    if (closing === undefined || closing.due) return;
    closing.turn += 1;
    const turn = closing.turn;
    this.enqueue(() =>
      this.inOrder(() => {
        if (closing.turn !== turn) return;
        closing.due = true;
        setImmediate(() => this.close(closing.code, closing.reason));
      }),
    );
  }

  private refuseWhileClosing(decoded: Decoded): void {
    if (decoded === undefined || "reply" in decoded) return;
    const ref = refOf(decoded);
    this.enqueue(() =>
      this.inOrder(() =>
        this.sendError(
          "server_shutdown",
          "The server is shutting down and did not handle this frame: send it again, with the same id, after reconnecting.",
          { ref },
        ),
      ),
    );
    this.closeInTurn();
  }

  /** Closes with a code; frames already sent are written first. */
  override close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueued();
    this.context.batcher.flush();
    this.ws.close(code, reason);
    // ws would wait 30 s for the client to answer the close; a connection that never
    // authenticated holds a place others need, so it gets a second [LIMIT-7].
    if (this.user === undefined) this.setDeadline(UNAUTHENTICATED_CLOSE_MS, cut, undefined);
  }

  /** The socket is closed (or was terminated): delivery stops, the dialect frees its part. */
  markClosed(): void {
    this.closed = true;
    this.dropQueued();
    this.clearDeadline();
    this.feed?.close();
    this.context.dialect.release(this.dialectState);
    this.endProbation();
  }

  private endProbation(): void {
    const probation = this.probation;
    this.probation = undefined;
    probation?.end();
  }

  protected get stopped(): boolean {
    return this.closed;
  }

  protected taskFailed(error: unknown): void {
    this.context.onTaskError(this, error);
  }
}

/** How long a connection that never authenticated may take to answer a close. */
const UNAUTHENTICATED_CLOSE_MS = 1000;

function cut(session: Session): void {
  session.terminate();
}

function refOf(decoded: DecodeResult): string | undefined {
  return decoded.ok ? decoded.frame.id : decoded.ref;
}
