import type { JsonObject, Mail } from "../../protocol/index.js";

export interface NewMail {
  id: string;
  from: string;
  to: string;
  ts: number;
  body: JsonObject;
}

/**
 * Durable per-user mailboxes.
 *
 * Contract (every implementation; checked by message-store.contract.ts):
 * - `append` assigns the mailbox's next sequence (1, 2, 3, ... with no gap and no reuse) and
 *   resolves only once the mail is kept as durably as the implementation promises; the
 *   caller may then tell the sender `accepted` [DELIVERY-1].
 * - Appends to one mailbox are ordered as they were called.
 * - `readAfter` returns mail with `seq > afterSeq` in sequence order, at most `limit`, never
 *   mail that was acknowledged.
 * - `ack` is cumulative and idempotent; acknowledging past the last sequence acknowledges all.
 * - A full mailbox rejects `append` with `MailboxFullError`; any other failure rejects with
 *   `StoreError` and nothing is kept.
 */
export interface MessageStore {
  append(mail: NewMail): Promise<Mail>;
  readAfter(userId: string, afterSeq: number, limit: number): Promise<Mail[]>;
  /** The highest acknowledged sequence (0 if none). */
  ackedSeq(userId: string): Promise<number>;
  ack(userId: string, seq: number): Promise<void>;
  close(): Promise<void>;
}

export class MailboxFullError extends Error {
  override readonly name = "MailboxFullError";
  readonly code = "mailbox_full";
  constructor(
    readonly userId: string,
    readonly limit: number,
  ) {
    super(`Mailbox of ${userId} holds ${limit} messages, its limit.`);
  }
}

export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code = "store_unavailable";
}
