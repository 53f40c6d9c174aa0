import type { Receipt } from "../client/index.js";

/** How many sent mails are remembered for their receipts; older ones are forgotten first. */
const REMEMBERED = 1000;

/**
 * The mail this terminal sent, by server id, so that a receipt can say which mail it is
 * about. A mail is forgotten once read (its last receipt), and the oldest when there are too
 * many, so a long session does not grow without end.
 */
export class SentMail {
  readonly #byId = new Map<string, { to: string; text: string }>();

  remember(id: string, to: string, text: string): void {
    this.#byId.set(id, { to, text });
    if (this.#byId.size > REMEMBERED) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
  }

  /** The text of the mail `receipt` is about, if it was sent from here. */
  textOf(receipt: Receipt): string | undefined {
    const sent = this.#byId.get(receipt.mailId);
    if (receipt.status === "read") this.#byId.delete(receipt.mailId);
    return sent?.text;
  }
}
