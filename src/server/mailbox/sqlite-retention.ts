import type { MailboxHead, MailboxHeads } from "./mailbox-heads.js";
import { MailboxFullError, type RetentionOptions } from "./message-store.js";
import type { LogRow, SqliteStatements } from "./sqlite-statements.js";

/** Entries deleted per group commit by the sweep, so that a sweep never stalls the node. */
const SWEEP_CHUNK = 2000;

/**
 * What the SQLite store deletes, and when: eviction from a full mailbox (at append), the TTL
 * sweep and compaction (in `expire`, in steps of one group commit each). Keeps the heads'
 * counts right as it deletes; the caller runs each method inside a group commit.
 */
export class SqliteRetention {
  constructor(
    private readonly sql: SqliteStatements,
    private readonly heads: MailboxHeads,
    private readonly options: RetentionOptions,
  ) {}

  count(userId: string, head: MailboxHead): void {
    const counts = this.sql.counts.get(userId) as { entries: number; mails: number };
    head.mails = counts.mails;
    head.entries = counts.entries;
  }

  /**
   * Room in a full mailbox: acknowledged entries go first; then the oldest mail is dropped,
   * or the mail is refused. A refusal comes before anything is written (see GroupCommit).
   */
  makeRoom(userId: string, head: MailboxHead, now: number): number {
    if (head.mails < 0) this.count(userId, head);
    if (head.mails < this.options.maxMessages) return 0;
    const range = this.sql.countRange.get(userId, 1, head.acked) as { mails: number };
    const full = head.mails - range.mails >= this.options.maxMessages;
    if (full && this.options.overflow === "refuse")
      throw new MailboxFullError(userId, this.options.maxMessages);
    if (head.acked > 0) this.remove(userId, head, 1, head.acked, now);
    if (!full) return 0;
    const oldest = this.sql.oldestMail.get(userId) as { seq: number };
    this.remove(userId, head, oldest.seq, oldest.seq, now);
    return 1;
  }

  /**
   * Deletes a mailbox's entries `from..upTo`, first keeping the idempotency keys of its mail
   * still inside the window (in `sent`), so that a retry of evicted mail is still known;
   * resolves with the entries deleted.
   */
  private remove(
    userId: string,
    head: MailboxHead,
    from: number,
    upTo: number,
    now: number,
  ): number {
    const counts = this.sql.countRange.get(userId, from, upTo) as {
      entries: number;
      mails: number;
    };
    if (counts.entries === 0) return 0;
    const keysAfter = now - this.options.idempotencyWindowMs;
    this.sql.keepKeysOfRange.run({ user: userId, from, upTo, keysAfter });
    this.sql.deleteRange.run(userId, from, upTo);
    head.mails -= counts.mails;
    if (head.entries >= 0) head.entries -= counts.entries;
    return counts.entries;
  }

  /** Deletes the oldest expired entries, at most SWEEP_CHUNK, in log order. */
  expireChunk(now: number): { removed: number; done: boolean } {
    const oldest = now - this.options.ttlMs;
    const rows = this.sql.oldest.all(SWEEP_CHUNK) as Array<
      Pick<LogRow, "pos" | "user" | "seq" | "kind" | "ts">
    >;
    // The log is in order of writing, and so of time: the sweep stops at the first entry still
    // young. (An entry written after the clock stepped back waits for the one before it.)
    let expired = 0;
    const lastSeqs = new Map<string, number>();
    for (const row of rows) {
      if (row.ts > oldest) break;
      expired += 1;
      lastSeqs.set(row.user, row.seq);
      const head = this.heads.peek(row.user);
      if (head === undefined) continue;
      if (head.entries >= 0) head.entries -= 1;
      if (row.kind === "mail" && head.mails >= 0) head.mails -= 1;
    }
    const last = rows[expired - 1];
    if (last !== undefined) {
      const keysAfter = now - this.options.idempotencyWindowMs;
      this.sql.keepKeysUpToPos.run({ pos: last.pos, keysAfter });
      this.sql.deleteUpToPos.run(last.pos);
      // A mailbox left empty must not number from 1 again.
      for (const [userId, seq] of lastSeqs) this.sql.saveLast.run(userId, seq);
    }
    return { removed: expired, done: expired < rows.length || rows.length < SWEEP_CHUNK };
  }

  /** Mailboxes in memory holding more than `maxMessages` entries, some acknowledged. */
  overgrown(): string[] {
    const users: string[] = [];
    for (const [userId, head] of this.heads.entries())
      if (head.entries > this.options.maxMessages && head.acked > 0) users.push(userId);
    return users;
  }

  /**
   * Compaction: a mailbox keeps at most `maxMessages` entries of which any is acknowledged;
   * receipts count here (they never make a mailbox refuse mail, but a sender's mailbox would
   * otherwise grow with them until the TTL). Acknowledged entries go, oldest first, about
   * SWEEP_CHUNK per group commit; `users` keeps those not done yet.
   */
  compactSome(users: string[], now: number): void {
    let removed = 0;
    for (let userId = users.pop(); userId !== undefined; userId = users.pop()) {
      const head = this.heads.peek(userId);
      if (head === undefined || head.entries <= this.options.maxMessages) continue;
      const kept = this.sql.seqWithNewer.get(userId, this.options.maxMessages) as
        | { seq: number }
        | undefined;
      if (kept !== undefined)
        removed += this.remove(userId, head, 1, Math.min(head.acked, kept.seq), now);
      if (removed >= SWEEP_CHUNK) return;
    }
  }
}
