import type { AckFrame, ReadFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import { StoreError } from "../mailbox/message-store.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/** Consecutive marks of one kind from one session, waiting for the end of its turn. */
interface Batch {
  userId: string;
  status: "delivered" | "read";
  /** The highest sequence marked: marks are cumulative, so it covers the others. */
  seq: number;
  /** The frames' ids, each answered in its turn if the store refuses the mark. */
  refs: Array<string | undefined>;
  /** The store's answer: undefined once kept, else the error. */
  done: (outcome: unknown) => void;
}

/**
 * `ack` and `read`: cumulative marks on the session user's mailbox; the senders get their
 * `delivered` / `read` receipts [RECEIPT-1]. Silent on success (acks are frequent); a store
 * failure is reported (`store_unavailable`, or `outcome_unknown` when it may have been kept),
 * and the mark can simply be sent again: marks are idempotent.
 *
 * Marks are coalesced: consecutive marks of one kind that a session sends in one turn (a
 * client that acknowledges every mail, a burst read from the socket at once) are one store
 * write, for the highest of them, which makes the same receipts in the same order, since
 * marks are cumulative. A mark is written before the session's next frame of another kind is
 * handled (the store sees the session's frames in their order), or at the end of the turn.
 * Marks are pipelined as sends are (session/frame-queue.ts): the frames behind them are
 * handled meanwhile, and every reply still leaves in frame order.
 */
export class AckHandler {
  readonly #waiting = new Map<Session, Batch>();
  #scheduled = false;

  constructor(private readonly ctx: HandlerContext) {}

  handle(
    session: Session,
    frame: AckFrame | ReadFrame,
    identity: Identity,
  ): Promise<void> | undefined {
    const status = frame.type === "ack" ? "delivered" : "read";
    const open = this.#waiting.get(session);
    if (open !== undefined && open.status === status && open.userId === identity.userId) {
      open.seq = Math.max(open.seq, frame.data.seq);
      open.refs.push(frame.id);
      return undefined;
    }
    if (open !== undefined) this.flush(session);
    let done: (outcome: unknown) => void = () => undefined;
    const outcome = new Promise<unknown>((resolve) => {
      done = resolve;
    });
    const batch: Batch = {
      userId: identity.userId,
      status,
      seq: frame.data.seq,
      refs: [frame.id],
      done,
    };
    this.#waiting.set(session, batch);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.flushAll);
    }
    return session.pipeline(outcome, (error) => this.answer(session, batch, error));
  }

  /** Whether any session has marks waiting (the dispatch's cheap check before `flush`). */
  get waiting(): boolean {
    return this.#waiting.size > 0;
  }

  /** Writes the session's waiting marks now: a frame of another kind is next. */
  flush(session: Session): void {
    const batch = this.#waiting.get(session);
    if (batch === undefined) return;
    this.#waiting.delete(session);
    this.write(batch);
  }

  private readonly flushAll = (): void => {
    this.#scheduled = false;
    const batches = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const batch of batches) this.write(batch);
  };

  private write(batch: Batch): void {
    let stored: Promise<void> | undefined;
    try {
      stored = this.ctx.router.acknowledge(batch.userId, batch.seq, batch.status);
    } catch (error) {
      batch.done(error);
      return;
    }
    if (stored === undefined) batch.done(undefined);
    else stored.then(() => batch.done(undefined), batch.done);
  }

  private answer(session: Session, batch: Batch, error: unknown): void {
    if (error === undefined) return;
    if (!(error instanceof StoreError)) throw error;
    this.ctx.throttle.warn(
      `ack_${error.code}`,
      { err: error.message },
      "message store refused an acknowledgement",
    );
    const message =
      error.code === "outcome_unknown"
        ? "The acknowledgement may or may not have been stored; send it again."
        : "The acknowledgement could not be stored; send it again.";
    for (const ref of batch.refs) session.sendError(error.code, message, { ref });
  }
}
