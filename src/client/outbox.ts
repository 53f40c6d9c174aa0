import { PostofficeError } from "./errors.js";
import type { Accepted } from "./types.js";

interface Entry {
  frame: string;
  accepted?: Accepted;
  onAccepted: (accepted: Accepted) => void;
  onDelivered: (() => void) | undefined;
  onError: (error: PostofficeError) => void;
}

/**
 * Sends waiting for their receipt, in order. They are (re)sent on every connection until
 * the server answers: a resend carries the same `id`, so the server stores it once and
 * answers with the first receipt (idempotent retries).
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  add(ref: string, frame: string, settle: Omit<Entry, "frame" | "accepted">): void {
    this.entries.set(ref, { frame, ...settle });
  }

  /** Frames still without an answer, in the order they were sent. */
  unanswered(): string[] {
    return [...this.entries.values()]
      .filter((entry) => entry.accepted === undefined)
      .map((entry) => entry.frame);
  }

  accepted(ref: string, accepted: Accepted): void {
    const entry = this.entries.get(ref);
    if (!entry || entry.accepted) return;
    entry.accepted = accepted;
    entry.onAccepted(accepted);
    if (entry.onDelivered === undefined) this.entries.delete(ref);
  }

  delivered(ref: string): void {
    const entry = this.entries.get(ref);
    if (!entry?.onDelivered) return;
    this.entries.delete(ref);
    entry.onDelivered();
  }

  failed(ref: string, error: PostofficeError): boolean {
    const entry = this.entries.get(ref);
    if (!entry) return false;
    this.entries.delete(ref);
    entry.onError(error);
    return true;
  }

  /** The client is closed for good: every pending call rejects. */
  abandon(): void {
    for (const [ref, entry] of this.entries) {
      this.entries.delete(ref);
      entry.onError(
        new PostofficeError("closed", "The client was closed before the server answered."),
      );
    }
  }
}
