import { mailFingerprint } from "./fingerprint.js";
import {
  type Acceptance,
  type AppendResult,
  type MailboxEntry,
  MailboxFullError,
  type MailboxPosition,
  type MessageStore,
  type NewMail,
  type RetentionOptions,
  type StoredReceipt,
  storedMail,
} from "./message-store.js";

interface Mailbox extends MailboxPosition {
  /** Retained entries in sequence order. */
  entries: MailboxEntry[];
  mailCount: number;
}

/** Mailboxes in process memory: fast, and lost when the process ends. */
export class MemoryMessageStore implements MessageStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  /** Idempotency keys by sender, then ref: no key string is made per send. */
  private readonly sent = new Map<string, Map<string, SentKey>>();

  constructor(
    private readonly options: RetentionOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  async append(mail: NewMail): Promise<AppendResult> {
    return this.appendNow(mail);
  }

  appendNow(mail: NewMail): AppendResult {
    const ref = mail.ref;
    let refs: Map<string, SentKey> | undefined;
    if (ref !== undefined) {
      refs = this.sent.get(mail.from);
      const earlier = refs?.get(ref);
      if (
        earlier !== undefined &&
        earlier.to === mail.to &&
        earlier.fingerprint === mailFingerprint(mail) &&
        mail.ts - earlier.ts < this.options.idempotencyWindowMs
      ) {
        const { id, to, seq, ts } = earlier;
        return { duplicate: true, accepted: { id, to, seq, ts } };
      }
    }
    const box = this.mailbox(mail.to);
    const dropped = this.makeRoom(box, mail.to);
    const stored = storedMail(mail, box.last + 1, mail.bodyJson);
    box.last = stored.seq;
    box.entries.push(stored);
    box.mailCount += 1;
    if (ref !== undefined) {
      if (refs === undefined) {
        refs = new Map();
        this.sent.set(mail.from, refs);
      }
      const fingerprint = mailFingerprint(mail);
      refs.set(ref, { id: stored.id, to: stored.to, seq: stored.seq, ts: stored.ts, fingerprint });
    }
    return { duplicate: false, mail: stored, dropped };
  }

  async readAfter(userId: string, afterSeq: number, limit: number): Promise<MailboxEntry[]> {
    const box = this.mailboxes.get(userId);
    if (!box) return [];
    const oldest = this.clock() - this.options.ttlMs;
    const out: MailboxEntry[] = [];
    for (
      let i = firstIndexAfter(box.entries, afterSeq);
      i < box.entries.length && out.length < limit;
      i++
    ) {
      const entry = box.entries[i] as MailboxEntry;
      if (entry.ts > oldest) out.push(entry);
    }
    return out;
  }

  async position(userId: string): Promise<MailboxPosition> {
    const box = this.mailboxes.get(userId);
    return { last: box?.last ?? 0, acked: box?.acked ?? 0, read: box?.read ?? 0 };
  }

  async ack(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): Promise<StoredReceipt[]> {
    return this.ackNow(userId, seq, status, now);
  }

  ackNow(userId: string, seq: number, status: "delivered" | "read", now: number): StoredReceipt[] {
    const box = this.mailboxes.get(userId);
    if (!box) return [];
    const upTo = Math.min(seq, box.last);
    const receipts: StoredReceipt[] = [];
    if (upTo > box.acked) {
      this.receiptsFor(box, box.acked, upTo, "delivered", now, receipts);
      box.acked = upTo;
    }
    if (status === "read" && upTo > box.read) {
      this.receiptsFor(box, box.read, upTo, "read", now, receipts);
      box.read = upTo;
    }
    this.trimAcknowledged(box);
    return receipts;
  }

  async expire(now: number): Promise<number> {
    const oldest = now - this.options.ttlMs;
    let removed = 0;
    for (const box of this.mailboxes.values()) {
      let count = 0;
      while (count < box.entries.length && (box.entries[count] as MailboxEntry).ts <= oldest)
        count++;
      if (count > 0) removed += this.evict(box, count);
    }
    for (const [sender, refs] of this.sent) {
      for (const [ref, { ts }] of refs) {
        if (now - ts >= this.options.idempotencyWindowMs) refs.delete(ref);
      }
      if (refs.size === 0) this.sent.delete(sender);
    }
    return removed;
  }

  async waitingMailboxes(): Promise<number> {
    let waiting = 0;
    for (const box of this.mailboxes.values()) if (box.last > box.acked) waiting += 1;
    return waiting;
  }

  /** Memory never refuses a write. */
  readonly accepting = true;

  async close(): Promise<void> {}

  private receiptsFor(
    box: Mailbox,
    after: number,
    upTo: number,
    status: "delivered" | "read",
    now: number,
    out: StoredReceipt[],
  ): void {
    for (let i = firstIndexAfter(box.entries, after); i < box.entries.length; i++) {
      const entry = box.entries[i] as MailboxEntry;
      if (entry.seq > upTo) break;
      if (entry.kind !== "mail") continue;
      const senderBox = this.mailbox(entry.from);
      const receipt: StoredReceipt = {
        kind: "receipt",
        owner: entry.from,
        seq: senderBox.last + 1,
        status,
        mailId: entry.id,
        to: entry.to,
        ts: now,
      };
      // Set after: a spread of an optional `ref` is V8's slow path, once per receipt.
      if (entry.ref !== undefined) receipt.ref = entry.ref;
      senderBox.last = receipt.seq;
      senderBox.entries.push(receipt);
      out.push(receipt);
    }
  }

  /** Frees a place for one more mail; returns how many unacknowledged mails were dropped. */
  private makeRoom(box: Mailbox, userId: string): number {
    if (box.mailCount < this.options.maxMessages) return 0;
    const acknowledged = firstIndexAfter(box.entries, box.acked);
    if (acknowledged > 0) this.evict(box, acknowledged);
    if (box.mailCount < this.options.maxMessages) return 0;
    if (this.options.overflow === "refuse")
      throw new MailboxFullError(userId, this.options.maxMessages);
    const oldestMail = box.entries.findIndex((entry) => entry.kind === "mail");
    this.evict(box, oldestMail + 1);
    return 1;
  }

  /**
   * Keeps the newest KEPT_ACKNOWLEDGED acknowledged entries (for `since` replays), dropping
   * older ones once twice as many are held, so that a busy mailbox holds thousands of entries
   * fewer for the garbage collector to trace and move, and the drop costs one splice in
   * KEPT_ACKNOWLEDGED acknowledgements. A later `read` gets receipts for the entries kept
   * (as for those evicted to make room).
   */
  private trimAcknowledged(box: Mailbox): void {
    const acknowledged = firstIndexAfter(box.entries, box.acked);
    if (acknowledged >= 2 * KEPT_ACKNOWLEDGED) this.evict(box, acknowledged - KEPT_ACKNOWLEDGED);
  }

  private evict(box: Mailbox, count: number): number {
    const removed = box.entries.splice(0, count);
    for (const entry of removed) if (entry.kind === "mail") box.mailCount -= 1;
    return removed.length;
  }

  private mailbox(userId: string): Mailbox {
    let box = this.mailboxes.get(userId);
    if (!box) {
      box = { last: 0, acked: 0, read: 0, entries: [], mailCount: 0 };
      this.mailboxes.set(userId, box);
    }
    return box;
  }
}

/** Acknowledged entries a mailbox keeps at least (and at most twice as many) [DELIVERY-3]. */
export const KEPT_ACKNOWLEDGED = 256;

/**
 * An idempotency key's first send: what its retries are answered with [DELIVERY-4]. It keeps
 * the mail's fingerprint, not its body: a key lives for the whole idempotency window (24 h by
 * default), long after the mailbox let the mail go, and a body may be 64 KiB.
 */
interface SentKey extends Acceptance {
  fingerprint: string;
}

/** Binary search: the index of the first entry with seq > afterSeq. */
function firstIndexAfter(entries: MailboxEntry[], afterSeq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid] as MailboxEntry).seq <= afterSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}
