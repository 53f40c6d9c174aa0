/**
 * Acknowledgements made for clients that never send `ack` (a dialect's `acksOnWrite`): the
 * highest sequence written to each user is acknowledged once per event-loop turn, so that a
 * replay of a thousand mails costs one acknowledgement, not a thousand. Acknowledgements are
 * cumulative, so two in flight for one user may land in any order.
 */
export class WrittenAcks {
  private pending = new Map<string, number>();
  private scheduled = false;
  /** The flushes whose acknowledgements have not all settled yet (for `settled`). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ack: (userId: string, seq: number) => Promise<void>,
    private readonly onError: (error: unknown, userId: string) => void,
  ) {}

  /** The user's mailbox was written to a socket up to `seq`. */
  readonly written = (userId: string, seq: number): void => {
    if ((this.pending.get(userId) ?? 0) < seq) this.pending.set(userId, seq);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  };

  /**
   * Resolves once everything written to the user so far is acknowledged in the store (or failed
   * to be): a session that takes over from a replaced one reads its position after it, so that
   * it neither replays what the other wrote nor skips what it did not. It waits for the
   * acknowledgements of every user in flight, not the user's alone: tracking them per user
   * would cost every write, and a take-over is rare.
   */
  settled(userId: string): Promise<void> {
    const seq = this.pending.get(userId);
    if (seq !== undefined) {
      this.pending.delete(userId);
      this.send([[userId, seq]]);
    }
    return this.inFlight.size === 0 ? Promise.resolve() : Promise.all(this.inFlight).then(noop);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const acks = this.pending;
    this.pending = new Map();
    this.send(acks);
  };

  /** Sends the acknowledgements, tracked as one batch: no promise more per acknowledgement. */
  private send(acks: Iterable<[string, number]>): void {
    const batch = new Batch();
    for (const [userId, seq] of acks) {
      batch.left += 1;
      this.ack(userId, seq).then(batch.done, (error: unknown) => {
        this.onError(error, userId);
        batch.done();
      });
    }
    if (batch.left === 0) return;
    const settled = batch.settled;
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }
}

/** One flush's acknowledgements, counted down as they settle. */
class Batch {
  left = 0;
  readonly settled: Promise<void>;
  private resolve: () => void = noop;

  constructor() {
    this.settled = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  readonly done = (): void => {
    this.left -= 1;
    if (this.left === 0) this.resolve();
  };
}

function noop(): void {}
