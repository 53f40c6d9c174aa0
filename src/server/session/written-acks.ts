/**
 * Acknowledgements made for clients that never send `ack` (a dialect's `acksOnWrite`): the
 * highest sequence written to each user is acknowledged once per event-loop turn, so that a
 * replay of a thousand mails costs one acknowledgement, not a thousand. Acknowledgements are
 * cumulative, so two in flight for one user may land in any order.
 */
export class WrittenAcks {
  private pending = new Map<string, number>();
  private scheduled = false;

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

  private readonly flush = (): void => {
    this.scheduled = false;
    const acks = this.pending;
    this.pending = new Map();
    for (const [userId, seq] of acks) {
      this.ack(userId, seq).catch((error: unknown) => this.onError(error, userId));
    }
  };
}
