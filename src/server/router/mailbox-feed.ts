import type { BrokerMessage } from "../broker/broker.js";
import type { MessageStore } from "../mailbox/message-store.js";
import { encodeEntry } from "./encode-entry.js";

const REPLAY_PAGE = 256;

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
  /** True until the first replay: the session is not greeted yet, and stored mail comes first. */
  private replaying = true;
  private started = false;
  private moreArrived = false;
  private closed = false;

  constructor(
    private readonly userId: string,
    private readonly store: MessageStore,
    private readonly send: (frame: string) => void,
    private readonly onError: (error: unknown) => void,
    startAfter: number,
  ) {
    this.cursor = startAfter;
  }

  /** The highest sequence handed to the session. */
  get position(): number {
    return this.cursor;
  }

  offer(message: BrokerMessage): void {
    if (this.closed) return;
    if (this.replaying) {
      this.moreArrived = true;
      return;
    }
    if (message.seq <= this.cursor) return;
    if (message.seq > this.cursor + 1) {
      this.replay();
      return;
    }
    this.cursor = message.seq;
    this.send(message.frame);
  }

  /** Sends everything stored after the cursor, then switches to live delivery. */
  replay(): void {
    if (this.closed) return;
    if (!this.started) this.started = true;
    else if (this.replaying) return;
    this.replaying = true;
    this.readPages().then(
      () => {
        this.replaying = false;
      },
      (error: unknown) => {
        this.replaying = false;
        this.onError(error);
      },
    );
  }

  close(): void {
    this.closed = true;
  }

  private async readPages(): Promise<void> {
    for (;;) {
      this.moreArrived = false;
      const page = await this.store.readAfter(this.userId, this.cursor, REPLAY_PAGE);
      if (this.closed) return;
      for (const entry of page) {
        if (entry.seq <= this.cursor) continue;
        this.cursor = entry.seq;
        this.send(encodeEntry(entry));
      }
      if (page.length < REPLAY_PAGE && !this.moreArrived) return;
    }
  }
}
