/**
 * What a store keeps in memory about one mailbox, so that appending mail writes one row and
 * nothing else: every field can be read back from the database (a head is never dirty).
 */
export interface MailboxHead {
  /** Highest sequence assigned. */
  last: number;
  acked: number;
  read: number;
  /** Mail retained (counted against `maxMessages`); -1 until an append needs it. */
  mails: number;
  /** Entries retained, mail and receipts (compaction looks at it); -1 until counted. */
  entries: number;
}

/**
 * A bounded cache of mailbox heads, least recently used dropped first, approximately: two
 * generations of at most `capacity / 2` heads each. A hit in the old generation moves the head
 * to the new one; when the new one is full, the old one is dropped whole. No per-hit
 * reordering, and at most `capacity` heads.
 */
export class MailboxHeads {
  private young = new Map<string, MailboxHead>();
  private old = new Map<string, MailboxHead>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(userId: string): MailboxHead | undefined {
    const head = this.young.get(userId);
    if (head !== undefined) return head;
    const aged = this.old.get(userId);
    if (aged !== undefined) {
      this.old.delete(userId);
      this.add(userId, aged);
    }
    return aged;
  }

  /** The head if held, without counting as a use (for sweeps). */
  peek(userId: string): MailboxHead | undefined {
    return this.young.get(userId) ?? this.old.get(userId);
  }

  add(userId: string, head: MailboxHead): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(userId, head);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Every head held, for a sweep (both generations; no reordering). */
  *entries(): IterableIterator<[string, MailboxHead]> {
    yield* this.old;
    yield* this.young;
  }

  /** Forgets every head: they are read again from the database on their next use. */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}
