import type { MailboxReset, PositionStore } from "./types.js";

/** The most entries of a burst handled before they are acknowledged (a long replay's acks). */
export const ACK_EVERY = 256;

/** What a {@link MailboxCursor} asks of the client it serves. */
export interface MailboxCursorHooks {
  /** Writes a frame if connected (`ack`, `read`). */
  write(frame: object): void;
  isOpen(): boolean;
  /** The client is closed for good: no entry is handed to the application any more. */
  isClosed(): boolean;
  reset(event: MailboxReset): void;
  failed(error: unknown): void;
}

/**
 * Where the application is in its mailbox: the last sequence handed to it (kept in the
 * position store), the inbox that hands entries over one at a time, in order, the acks and
 * read marks sent for them, and the server's numbering starting again.
 */
export class MailboxCursor {
  /** Last mailbox sequence handed to the application. */
  private position: number;
  /**
   * Whether `position` is this device's own: a new client with no stored position resumes
   * where the mailbox was last acknowledged instead of replaying all it keeps; it adopts the
   * start the server reports in `welcome` (`mailbox.after`).
   */
  private known: boolean;
  /** The `since` this connection resumed from (undefined: none given). */
  private sentSince: number | undefined;
  private ackedUpTo: number;
  /** The highest `markRead`, sent again after each welcome (it is idempotent). */
  private readUpTo = 0;
  /** Mailbox entries are handled one at a time, in order; so are position changes. */
  private inbox: Promise<void> = Promise.resolve();
  /** Entries received and not handled yet: while more wait, the ack waits for them. */
  private waiting = 0;

  constructor(
    private readonly positions: PositionStore | undefined,
    private readonly positionKey: string,
    private readonly hooks: MailboxCursorHooks,
  ) {
    const stored = positions?.get(positionKey);
    this.position = Number(stored ?? 0) || 0;
    this.known = stored !== undefined && stored !== null;
    this.ackedUpTo = this.position;
  }

  /** Settles once the entries received so far have been handled. */
  get settled(): Promise<void> {
    return this.inbox;
  }

  /** Where a new connection resumes from; remembered to compare with its `welcome`. */
  resume(): { since?: number } {
    const resume = this.known ? { since: this.position } : {};
    this.sentSince = resume.since;
    return resume;
  }

  /**
   * Takes in the `mailbox.after` of a `welcome`. True when the mailbox's numbering started
   * again and the new mailbox already holds entries: the connection must start again from 0
   * (see `afterInbox`).
   */
  welcomed(after: number | undefined): boolean {
    const since = this.sentSince;
    if (after !== undefined && since !== undefined && after < since) {
      // The mailbox's numbering started again (the server lowered our `since` to its end).
      this.step(() => {
        this.position = 0;
        this.known = true;
        this.ackedUpTo = 0;
        this.readUpTo = 0;
        this.persist(0);
        this.hooks.reset({ previous: since, after });
      });
      // What the new mailbox already holds is not replayed to this session: start again
      // from 0 on a new connection, once the position has been reset.
      if (after > 0) return true;
    } else if (after !== undefined && !this.known) {
      // A new device: the server's starting point becomes this device's position, so that a
      // reconnect resumes from it (receipts acknowledged by another device included).
      this.step(() => {
        if (this.known) return;
        this.position = after;
        this.ackedUpTo = after;
        this.known = true;
        this.persist(after);
      });
    }
    return false;
  }

  /**
   * After a welcome: an ack or read lost with the last connection is sent again (both are
   * idempotent), so that the senders' receipts are not held back.
   */
  resend(): void {
    this.step(() => {
      this.ackedUpTo = 0;
      this.ack();
      if (this.readUpTo > 0) this.hooks.write({ type: "read", data: { seq: this.readUpTo } });
    });
  }

  markRead(seq: number): void {
    if (seq > this.readUpTo) this.readUpTo = seq;
    this.hooks.write({ type: "read", data: { seq } });
  }

  /**
   * Hands mailbox entries to the application one at a time, each once (a repeat after a
   * reconnect is dropped by its sequence), and acknowledges after the listeners finished.
   * Acks are cumulative: a burst (a replay of what waited) is acknowledged once it is all
   * handled, or every ACK_EVERY entries on the way, not once per entry; each ack is a store
   * write on the server.
   */
  entry(seq: number, deliver: () => Promise<void>): void {
    this.waiting += 1;
    this.step(async () => {
      try {
        if (this.hooks.isClosed() || seq <= this.position) return;
        // Listeners that throw still saw the entry (their errors go to `error`): not redelivered.
        await deliver();
        this.position = seq;
        this.known = true;
        this.persist(seq);
      } finally {
        this.waiting -= 1;
      }
      if (this.waiting === 0 || this.position - this.ackedUpTo >= ACK_EVERY) this.ack();
    });
  }

  /** Runs `work` once what the inbox holds has been handled. */
  afterInbox(work: () => void): void {
    this.inbox = this.inbox.then(work);
  }

  /** Runs `work` after what the inbox holds; one failure does not stop the inbox. */
  private step(work: () => void | Promise<void>): void {
    this.inbox = this.inbox.then(work).catch((error: unknown) => this.hooks.failed(error));
  }

  private persist(position: number): void {
    try {
      this.positions?.set(this.positionKey, String(position));
    } catch (error) {
      this.hooks.failed(error);
    }
  }

  private ack(): void {
    if (this.position <= this.ackedUpTo || !this.hooks.isOpen()) return;
    this.ackedUpTo = this.position;
    this.hooks.write({ type: "ack", data: { seq: this.position } });
  }
}
