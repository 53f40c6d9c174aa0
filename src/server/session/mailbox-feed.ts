import type { BrokerMessage } from "../broker/broker.js";
import type { MailboxPosition, MessageStore } from "../mailbox/message-store.js";
import { encodeEntry } from "../router/encode-entry.js";
import type { PreparedFrame } from "../wire/prepared-frame.js";

const REPLAY_PAGE = 256;

export interface MailboxFeedOptions {
  userId: string;
  store: Pick<MessageStore, "readAfter">;
  /**
   * Replay starts after this sequence; absent when the session subscribes before it knows
   * where it resumes (`resumeFrom`, below).
   */
  startAfter?: number;
  /** Where the entries go: the session (an object rather than closures, kept per session). */
  reader: MailboxReader;
  /**
   * The mailbox could not be read: the session cannot go on. Told the feed's own `reader`, so
   * that one function serves every feed (a closure each would live as long as the connection);
   * a method, so that it may take the reader as the type it was given as.
   */
  onError(error: unknown, reader: MailboxReader): void;
  /** Entries read from the store at a time (256). */
  pageSize?: number;
}

export interface MailboxReader {
  /**
   * An entry of the mailbox (mail or receipt), as its native frame; `live`: not replayed. Live
   * mail comes prepared, framed once for every device of the user on this node.
   */
  deliverMail(seq: number, frame: PreparedFrame | string, live: boolean): void;
  /**
   * Undefined while the client can take more; otherwise resolves when it can. A replay
   * never outruns its reader (live mail does not wait: a reader that falls behind it is cut).
   */
  roomForMore(): Promise<void> | undefined;
}

/**
 * One session's view of its user's mailbox: replays stored mail from a cursor, then follows
 * live deliveries, without a gap or a duplicate at the seam [DELIVERY-2].
 *
 * Live mail is stored before it is published, so while a replay runs, live mail is left to
 * the replay (which reads it from the store); a live sequence that skips ahead (a delivery
 * lost or reordered between nodes) also falls back to reading the store.
 */
export class MailboxFeed {
  private cursor: number;
  /**
   * `waiting` until the first replay (the session is not greeted yet, and stored mail comes
   * first); `replaying` while reading the store; `live` after. Offers that come while waiting
   * or replaying are left to the replay, which reads them from the store.
   */
  private state: "waiting" | "replaying" | "live" | "closed" = "waiting";
  private moreArrived = false;
  /**
   * The mailbox's last sequence, read after the session subscribed to its live mail: while no
   * offer came since, nothing past it is stored, so a first replay from it needs no read. -1:
   * not known (a small integer, not Infinity, which would take a heap number per feed).
   */
  private storedUpTo = -1;

  private readonly userId: string;
  private readonly store: Pick<MessageStore, "readAfter">;
  private readonly reader: MailboxReader;
  private readonly onError: MailboxFeedOptions["onError"];
  private readonly pageSize: number;

  constructor(options: MailboxFeedOptions) {
    this.userId = options.userId;
    this.store = options.store;
    this.reader = options.reader;
    this.onError = options.onError;
    this.cursor = options.startAfter ?? 0;
    this.pageSize = options.pageSize ?? REPLAY_PAGE;
  }

  /** The highest sequence handed to the session. */
  get position(): number {
    return this.cursor;
  }

  /** The first replay has begun: the session was greeted, and may be sent what is live. */
  get started(): boolean {
    return this.state === "replaying" || this.state === "live";
  }

  /**
   * Where the session resumes [DELIVERY-3]: after its own `since`, or after the last
   * acknowledged mail; a `since` beyond the mailbox (a cursor kept from a store that was
   * reset) starts at the end rather than waiting for it. `position` must be read after the
   * session subscribed to its user's live mail, so that mail stored later arrives as an offer.
   */
  resumeFrom(position: MailboxPosition, since: number | undefined): void {
    this.cursor = since === undefined ? position.acked : Math.min(since, position.last);
    this.storedUpTo = position.last;
  }

  /** Live mail; `prepared`: its frame, shared by the user's sessions on this node. */
  offer(message: BrokerMessage, prepared?: PreparedFrame): void {
    if (this.state === "closed") return;
    if (this.state !== "live") {
      this.moreArrived = true;
      return;
    }
    if (message.seq <= this.cursor) return;
    if (message.seq > this.cursor + 1) {
      this.replay();
      return;
    }
    this.cursor = message.seq;
    this.reader.deliverMail(message.seq, prepared ?? message.frame, true);
  }

  /** Sends everything stored after the cursor, then switches to live delivery. */
  replay(): void {
    if (this.state === "closed" || this.state === "replaying") return;
    const known = this.storedUpTo >= 0 && this.storedUpTo <= this.cursor;
    if (this.state === "waiting" && !this.moreArrived && known) {
      // Nothing stored past the cursor, nothing offered since: live now, without a read or a
      // promise (most connections).
      this.state = "live";
      return;
    }
    this.state = "replaying";
    this.readPages().catch((error: unknown) => {
      if (!this.isClosed) this.state = "live";
      this.onError(error, this.reader);
    });
  }

  close(): void {
    this.state = "closed";
  }

  /** A getter, so TypeScript does not keep a narrowed state across the awaits below. */
  private get isClosed(): boolean {
    return this.state === "closed";
  }

  private async readPages(): Promise<void> {
    for (;;) {
      this.moreArrived = false;
      const page = await this.store.readAfter(this.userId, this.cursor, this.pageSize);
      if (this.isClosed) return;
      for (const entry of page) {
        if (entry.seq <= this.cursor) continue;
        const wait = this.reader.roomForMore();
        if (wait !== undefined) {
          await wait;
          if (this.isClosed) return;
        }
        this.cursor = entry.seq;
        this.reader.deliverMail(entry.seq, encodeEntry(entry), false);
      }
      if (page.length < this.pageSize && !this.moreArrived) {
        // Live again in the same step as the last check, so no offer falls between the two.
        this.state = "live";
        return;
      }
    }
  }
}
