/** `limits.sender`: what one sender may put in other users' mailboxes per window. */
export interface SenderQuotaOptions {
  windowMs: number;
  /** Bytes of mail bodies per window; 0: no limit. */
  maxBytes: number;
  /** Mailboxes started (first mail to a user without one) per window; 0: no limit. */
  maxNewMailboxes: number;
}

export type QuotaRefusal = {
  code: "quota_exceeded" | "too_many_new_mailboxes";
  message: string;
  retryAfterMs: number;
};

/** What a send took from its sender's quota; given back when the mail was not stored. */
export interface QuotaCharge {
  refund(): void;
}

interface Window {
  endsAt: number;
  bytes: number;
  newMailboxes: number;
}

const NOTHING: QuotaCharge = { refund: () => undefined };

/**
 * Each sender's use of other users' mailboxes over a window that starts with its first mail
 * [LIMIT-8]: its bytes, and the mailboxes it started. A send is charged before it is stored,
 * so that pipelined sends cannot all pass together, and refunded if it was not stored (a
 * failure, or a retried send stored once). A window that ended is forgotten: the map holds
 * the senders of the last window only, swept at most once per window.
 */
export class SenderQuota {
  readonly #windows = new Map<string, Window>();
  #sweepAt: number;

  constructor(
    private readonly options: SenderQuotaOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.#sweepAt = clock() + options.windowMs;
  }

  /** Whether the quota counts mailboxes started (the caller must then say if one is new). */
  get countsNewMailboxes(): boolean {
    return this.options.maxNewMailboxes > 0;
  }

  /** Charges one send of `bytes` (starting a mailbox if `newMailbox`), or says why not. */
  charge(sender: string, bytes: number, newMailbox: boolean): QuotaCharge | QuotaRefusal {
    const { maxBytes, maxNewMailboxes } = this.options;
    if (maxBytes === 0 && (maxNewMailboxes === 0 || !newMailbox)) return NOTHING;
    const now = this.clock();
    this.sweep(now);
    const window = this.windowOf(sender, now);
    const retryAfterMs = window.endsAt - now;
    if (maxBytes > 0 && window.bytes + bytes > maxBytes) {
      return {
        code: "quota_exceeded",
        message: `You have put ${window.bytes} of ${maxBytes} bytes in other users' mailboxes in this window; this mail (${bytes} bytes) was not accepted.`,
        retryAfterMs,
      };
    }
    const started = newMailbox && maxNewMailboxes > 0 ? 1 : 0;
    if (started > 0 && window.newMailboxes >= maxNewMailboxes) {
      return {
        code: "too_many_new_mailboxes",
        message: `You have started ${maxNewMailboxes} new mailboxes in this window, the most allowed; mail to users who have none yet is refused until it ends.`,
        retryAfterMs,
      };
    }
    window.bytes += bytes;
    window.newMailboxes += started;
    return {
      refund: () => {
        // Only into the window it was taken from: a later window starts from nothing.
        if (this.#windows.get(sender) !== window) return;
        window.bytes -= bytes;
        window.newMailboxes -= started;
      },
    };
  }

  /** Senders with a window open: for tests of the memory this holds. */
  get size(): number {
    return this.#windows.size;
  }

  private windowOf(sender: string, now: number): Window {
    const current = this.#windows.get(sender);
    if (current !== undefined && current.endsAt > now) return current;
    const fresh = { endsAt: now + this.options.windowMs, bytes: 0, newMailboxes: 0 };
    this.#windows.set(sender, fresh);
    return fresh;
  }

  private sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + this.options.windowMs;
    for (const [sender, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(sender);
    }
  }
}
