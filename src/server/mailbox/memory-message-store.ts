import type { Mail } from "../../protocol/index.js";
import { MailboxFullError, type MessageStore, type NewMail } from "./message-store.js";

interface Mailbox {
  lastSeq: number;
  ackedSeq: number;
  /** Unacknowledged mail in sequence order. */
  mails: Mail[];
}

/** Mailboxes in process memory: fast, and lost when the process ends. */
export class MemoryMessageStore implements MessageStore {
  private readonly mailboxes = new Map<string, Mailbox>();

  constructor(private readonly options: { maxMessages: number }) {}

  async append(mail: NewMail): Promise<Mail> {
    const box = this.mailbox(mail.to);
    if (box.mails.length >= this.options.maxMessages) {
      throw new MailboxFullError(mail.to, this.options.maxMessages);
    }
    box.lastSeq += 1;
    const stored: Mail = { ...mail, seq: box.lastSeq };
    box.mails.push(stored);
    return stored;
  }

  async readAfter(userId: string, afterSeq: number, limit: number): Promise<Mail[]> {
    const box = this.mailboxes.get(userId);
    if (!box) return [];
    const start = firstIndexAfter(box.mails, afterSeq);
    return box.mails.slice(start, start + limit);
  }

  async ackedSeq(userId: string): Promise<number> {
    return this.mailboxes.get(userId)?.ackedSeq ?? 0;
  }

  async ack(userId: string, seq: number): Promise<void> {
    const box = this.mailboxes.get(userId);
    if (!box) return;
    const upTo = Math.min(seq, box.lastSeq);
    if (upTo <= box.ackedSeq) return;
    box.ackedSeq = upTo;
    box.mails.splice(0, firstIndexAfter(box.mails, upTo));
  }

  async close(): Promise<void> {
    this.mailboxes.clear();
  }

  private mailbox(userId: string): Mailbox {
    let box = this.mailboxes.get(userId);
    if (!box) {
      box = { lastSeq: 0, ackedSeq: 0, mails: [] };
      this.mailboxes.set(userId, box);
    }
    return box;
  }
}

/** Binary search: the index of the first mail with seq > afterSeq. */
function firstIndexAfter(mails: Mail[], afterSeq: number): number {
  let low = 0;
  let high = mails.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((mails[mid] as Mail).seq <= afterSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}
