import type { PortResult } from "../events/ports.js";
import { MailboxFullError, StoreError } from "../mailbox/message-store.js";
import type { Decision } from "../rules/permissions.js";

/** A refusal as an event's port answers it. */
export type PortRefused = Extract<PortResult, { ok: false }>;

/** A permission's refusal, as every event port words it. */
export function forbidden(decision: Exclude<Decision, { allowed: true }>): PortRefused {
  return { ok: false, code: "forbidden", message: decision.message, reason: decision.rule };
}

/**
 * A store's refusal of an event's mail (the `send_mail` action), or undefined for an error that
 * is not one: a full mailbox, or a store that could not keep it.
 */
export function mailRefusal(error: unknown): PortRefused | undefined {
  if (error instanceof MailboxFullError) {
    return { ok: false, code: "mailbox_full", message: error.message };
  }
  if (error instanceof StoreError) {
    return {
      ok: false,
      code: "store_unavailable",
      message: "The mail could not be stored; it was not accepted.",
    };
  }
  return undefined;
}
