/**
 * Acknowledgements made for clients that never send `ack` (a dialect's `acksOnWrite`): the
 * highest sequence written to each user is acknowledged once per event-loop turn, so that a
 * replay of a thousand mails costs one acknowledgement, not a thousand. Acknowledgements are
 * cumulative, so two in flight for one user may land in any order.
 */
export class WrittenAcks {
  private pending = new Map<string, number>();
  private scheduled = false;
  /** Each user's acknowledgements sent and not yet settled (for `settled`). */
  private readonly inFlight = new Map<string, Promise<void>>();

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
   * it neither replays what the other wrote nor skips what it did not.
   */
  settled(userId: string): Promise<void> {
    const seq = this.pending.get(userId);
    if (seq !== undefined) {
      this.pending.delete(userId);
      this.send(userId, seq);
    }
    return this.inFlight.get(userId) ?? Promise.resolve();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const acks = this.pending;
    this.pending = new Map();
    for (const [userId, seq] of acks) this.send(userId, seq);
  };

  private send(userId: string, seq: number): void {
    const before = this.inFlight.get(userId);
    const acked = this.ack(userId, seq).catch((error: unknown) => this.onError(error, userId));
    const settled = before === undefined ? acked : Promise.all([before, acked]).then(noop);
    this.inFlight.set(userId, settled);
    void settled.then(() => {
      if (this.inFlight.get(userId) === settled) this.inFlight.delete(userId);
    });
  }
}

function noop(): void {}
