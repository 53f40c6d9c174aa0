/**
 * How long past its `retryAfterMs` a hold lasts when the refused send does not come back (the
 * client gave it up): longer than any frame of the same burst can take to be read.
 */
export const HOLD_GRACE_MS = 1000;

export interface HeldRefusal {
  /** The id of the send awaited. */
  ref: string;
  retryAfterMs: number;
}

/**
 * Keeps one connection's sends in order across a rate-limit retry [LIMIT-5]. When a send (a
 * `message` or `broadcast` with an `id`) is refused `rate_limited`, every later send of the
 * connection is refused `rate_limited` too, unhandled and taking no token, until that one
 * comes back (its `id` again) or `retryAfterMs` + HOLD_GRACE_MS pass. Without it, a send pipelined behind the
 * refused one but read after the bucket refilled (its frame came in a later packet, the node
 * was busy) is accepted, and the retry of the refused one lands after it: the recipient gets
 * 12 before 11. With it, a client that resends its refused sends in their order keeps that
 * order, however late its frames are read. A time alone cannot do that: the bucket's own
 * refusal already lasts until the retry time, and 12 came after it.
 *
 * A send refused while a hold is on does not move the hold: the earliest one is awaited.
 */
export class SendHold {
  private ref: string | undefined;
  private retryAt = 0;
  private until = 0;

  /** A send was refused `rate_limited`: the ones behind it wait for it. */
  hold(ref: string | undefined, now: number, retryAfterMs: number): void {
    // A send without an id cannot be recognized when it comes back.
    if (ref === undefined) return;
    if (this.active(now) && this.ref !== ref) return;
    this.ref = ref;
    this.retryAt = now + retryAfterMs;
    this.until = this.retryAt + HOLD_GRACE_MS;
  }

  /** A send about to be handled: undefined when it may go on, else why it is refused. */
  check(id: string | undefined, now: number): HeldRefusal | undefined {
    const ref = this.ref;
    if (ref === undefined || !this.active(now)) return undefined;
    if (id === ref) {
      this.ref = undefined;
      return undefined;
    }
    return { ref, retryAfterMs: Math.max(1, Math.ceil(this.retryAt - now)) };
  }

  private active(now: number): boolean {
    if (this.ref !== undefined && now >= this.until) this.ref = undefined;
    return this.ref !== undefined;
  }
}
