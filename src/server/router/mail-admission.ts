import { RecipientCheckUnavailableError } from "../users/webhook-recipients.js";
import type { RecipientPolicy } from "./recipient-policy.js";
import type { QuotaCharge, SenderQuota } from "./sender-quota.js";

export type MailRefusalCode =
  | "quota_exceeded"
  | "too_many_new_mailboxes"
  | "unknown_recipient"
  | "recipient_check_unavailable";

/** A send refused before it was stored: the sender is told `code`, and nothing was kept. */
export class MailRefusedError extends Error {
  override readonly name = "MailRefusedError";
  constructor(
    readonly code: MailRefusalCode,
    message: string,
    /** When trying again may pass (the sender's window ends). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface MailAdmissionDeps {
  quota: SenderQuota;
  recipients: RecipientPolicy;
  /** Whether the user's mailbox has ever held anything (the store's position). */
  hasMailbox(userId: string): Promise<boolean>;
  /** A send refused, by code (metrics). */
  refused(code: MailRefusalCode): void;
}

const FREE: QuotaCharge = { refund: () => undefined };
/** Recipients known to have a mailbox: most mail goes to them, and needs no store read. */
const KNOWN_MAILBOXES = 10_000;

/**
 * Whether a sender may put this mail in another user's mailbox [LIMIT-8]: the recipient must
 * exist (mailbox.recipients), and the sender's quota (limits.sender) must hold its bytes and,
 * if it starts a mailbox, that too. Decided without a promise when it can be (the common
 * case); when it needs the store (a recipient not seen yet) or a `connected` check, the
 * sender's later sends wait their turn, so that the store is called in the order the sender
 * sent: order is a promise of the protocol.
 */
export class MailAdmission {
  readonly #turns = new Map<string, Promise<void>>();
  readonly #withMailbox = new Set<string>();

  constructor(private readonly deps: MailAdmissionDeps) {}

  /**
   * Admits one mail and calls `store` with its charge, in the sender's order; fails with a
   * MailRefusedError, without calling `store`, when the mail is refused. Decided in the same
   * turn when it can be: then `store`'s own answer is returned, and a refusal is thrown.
   */
  admit<T>(
    from: string,
    to: string,
    bytes: number,
    store: (charge: QuotaCharge) => T | Promise<T>,
  ): T | Promise<T> {
    const prior = this.#turns.get(from);
    if (prior !== undefined) {
      return this.inTurn(
        from,
        prior.then(() => this.decide(from, to, bytes)),
        store,
      );
    }
    const decided = this.decide(from, to, bytes);
    return decided instanceof Promise ? this.inTurn(from, decided, store) : store(decided);
  }

  /** `store` is called once `decided` settles; the sender's next mail waits until it was called. */
  private inTurn<T>(
    from: string,
    decided: Promise<QuotaCharge>,
    store: (charge: QuotaCharge) => T | Promise<T>,
  ): Promise<T> {
    let called: () => void = () => undefined;
    const turn = new Promise<void>((resolve) => {
      called = resolve;
    });
    this.#turns.set(from, turn);
    void turn.then(() => {
      if (this.#turns.get(from) === turn) this.#turns.delete(from);
    });
    return decided.then(
      (charge) => {
        try {
          return store(charge);
        } finally {
          called();
        }
      },
      (error: unknown) => {
        called();
        throw error;
      },
    );
  }

  private decide(from: string, to: string, bytes: number): QuotaCharge | Promise<QuotaCharge> {
    // Mail to oneself fills one's own mailbox only: no quota, and one always exists.
    if (to === from) return FREE;
    let exists: boolean | Promise<boolean>;
    try {
      exists = this.deps.recipients.exists(to);
    } catch (error) {
      throw this.unchecked(error);
    }
    if (exists instanceof Promise) {
      return exists.then(
        (known) => this.afterRecipient(known, from, to, bytes),
        (error: unknown) => {
          throw this.unchecked(error);
        },
      );
    }
    return this.afterRecipient(exists, from, to, bytes);
  }

  /** The recipient could not be checked: refused, to be sent again, never kept unchecked. */
  private unchecked(error: unknown): unknown {
    if (!(error instanceof RecipientCheckUnavailableError)) return error;
    this.deps.refused("recipient_check_unavailable");
    return new MailRefusedError("recipient_check_unavailable", error.message, error.retryAfterMs);
  }

  private afterRecipient(
    known: boolean,
    from: string,
    to: string,
    bytes: number,
  ): QuotaCharge | Promise<QuotaCharge> {
    if (!known) {
      this.deps.refused("unknown_recipient");
      throw new MailRefusedError(
        "unknown_recipient",
        `${to} is not a recipient this server keeps mail for (mailbox.recipients).`,
      );
    }
    if (!this.deps.quota.countsNewMailboxes || this.#withMailbox.has(to)) {
      return this.charge(from, to, bytes, false);
    }
    return this.deps.hasMailbox(to).then((has) => this.charge(from, to, bytes, !has));
  }

  private charge(from: string, to: string, bytes: number, newMailbox: boolean): QuotaCharge {
    const charged = this.deps.quota.charge(from, bytes, newMailbox);
    if ("code" in charged) {
      this.deps.refused(charged.code);
      throw new MailRefusedError(charged.code, charged.message, charged.retryAfterMs);
    }
    // From now on the mail is on its way: later mail to `to` does not start its mailbox again.
    this.rememberMailbox(to);
    return charged;
  }

  private rememberMailbox(userId: string): void {
    if (this.#withMailbox.has(userId)) return;
    this.#withMailbox.add(userId);
    if (this.#withMailbox.size > KNOWN_MAILBOXES) {
      const oldest = this.#withMailbox.values().next();
      if (oldest.done !== true) this.#withMailbox.delete(oldest.value);
    }
  }
}
