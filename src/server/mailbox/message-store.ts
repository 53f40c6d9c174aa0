import type { JsonObject, Mail } from "../../protocol/index.js";

/** Mail as kept in its recipient's mailbox: the delivered envelope, plus what receipts need. */
export interface StoredMail extends Mail {
  kind: "mail";
  /** `body` as JSON, when the store has it (as read from disk, or as it was appended). */
  bodyJson?: string;
  /** The sender's frame `id`, echoed as `ref` on the receipts the sender gets. */
  ref?: string;
}

/** A `delivered` or `read` receipt, kept in the mailbox of the mail's sender. */
export interface StoredReceipt {
  kind: "receipt";
  /** Whose mailbox holds it: the sender of the mail. */
  owner: string;
  /** Position in the mailbox of the sender of the mail (who receives the receipt). */
  seq: number;
  status: "delivered" | "read";
  /** Id of the mail the receipt is about. */
  mailId: string;
  /** Recipient of that mail: who acknowledged or read it. */
  to: string;
  ts: number;
  ref?: string;
}

export type MailboxEntry = StoredMail | StoredReceipt;

export interface NewMail {
  id: string;
  from: string;
  to: string;
  ts: number;
  body: JsonObject;
  /** `body` as compact JSON (`JSON.stringify`), when the caller has it: serialized once for the store, the fingerprint and the frame. */
  bodyJson?: string;
  /** The sender's frame id: with `from`, the idempotency key of the send [DELIVERY-4]. */
  ref?: string;
}

/**
 * The mailbox entry of a new mail at `seq`. Built field by field: a spread of `mail` with its
 * optional keys is V8's slow path, on every store's hot path.
 */
export function storedMail(mail: NewMail, seq: number, bodyJson: string | undefined): StoredMail {
  const stored: StoredMail = {
    kind: "mail",
    id: mail.id,
    from: mail.from,
    to: mail.to,
    ts: mail.ts,
    body: mail.body,
    seq,
  };
  if (bodyJson !== undefined) stored.bodyJson = bodyJson;
  if (mail.ref !== undefined) stored.ref = mail.ref;
  return stored;
}

/** The body as JSON: the one already serialized, else serialized now. */
export function serializedBody(mail: { body: JsonObject; bodyJson?: string }): string {
  return mail.bodyJson ?? JSON.stringify(mail.body);
}

/** What the sender's `accepted` receipt says. */
export interface Acceptance {
  id: string;
  to: string;
  seq: number;
  ts: number;
}

export type AppendResult =
  | {
      duplicate: false;
      mail: StoredMail;
      /** Unacknowledged mail dropped to make room (overflow policy `dropOldest`). */
      dropped: number;
    }
  /** (from, ref) was sent within the idempotency window: nothing new was stored. */
  | { duplicate: true; accepted: Acceptance };

export interface MailboxPosition {
  /** Highest sequence assigned (0 for an empty mailbox). */
  last: number;
  /** Highest sequence acknowledged as delivered. */
  acked: number;
  /** Highest sequence marked read. */
  read: number;
}

export type OverflowPolicy = "refuse" | "dropOldest";

export interface RetentionOptions {
  /** Most entries a mailbox holds (acknowledged ones are evicted first). */
  maxMessages: number;
  overflow: OverflowPolicy;
  /** Entries older than this are removed and never delivered. */
  ttlMs: number;
  /** How long (from, ref) is remembered to make retried sends land once. */
  idempotencyWindowMs: number;
}

/**
 * Durable per-user mailboxes, holding mail and the receipts about mail a user sent.
 *
 * Contract (every implementation; checked by test/mailbox/message-store.contract.ts):
 * - `append` assigns the mailbox's next sequence (1, 2, 3, ... never reused) and resolves only
 *   once the mail is kept as durably as the implementation promises; only then may the
 *   sender be told `accepted` [DELIVERY-1]. Appends to one mailbox keep their call order.
 * - A second `append` with the same (from, ref) within the idempotency window stores nothing
 *   and resolves with `duplicate: true` and the first mail's acceptance [DELIVERY-4].
 * - `readAfter` returns retained entries with `seq > afterSeq` in order, at most `limit`,
 *   acknowledged or not (each device resumes from its own position), never expired ones.
 * - `ack` is cumulative and idempotent, and atomically appends one `delivered` (or `read`)
 *   receipt to the sender's mailbox for each mail it newly covers; it resolves with those
 *   receipts. `read` implies `delivered`. Receipts about receipts are never made.
 * - Retention: a full mailbox first evicts acknowledged entries, then refuses with
 *   `MailboxFullError` (policy `refuse`) or drops its oldest entries (`dropOldest`).
 *   Receipts never make a mailbox refuse mail. `expire` removes entries past the TTL.
 * - Any other failure rejects with `StoreError`. Its `code` says what the caller may conclude:
 *   `store_unavailable` when nothing of the call was applied (refused before it was sent, or
 *   rolled back), `outcome_unknown` when it may have been applied, wholly (sent to Redis and
 *   then no answer; committed but not known to be durable). A call is never half applied. A
 *   retried append with the same (from, ref) lands once either way [DELIVERY-4].
 * - `accepting` is false while the store knows it cannot keep mail (Redis away, a disk that
 *   refuses writes); the node's readiness follows it. A store that can recover finds out by
 *   itself (it probes), so `accepting` comes back without a write from a client.
 */
export interface MessageStore {
  append(mail: NewMail): Promise<AppendResult>;
  readAfter(userId: string, afterSeq: number, limit: number): Promise<MailboxEntry[]>;
  position(userId: string): Promise<MailboxPosition>;
  ack(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): Promise<StoredReceipt[]>;
  /**
   * `append` answered in the same turn, by a store that waits for no disk and no network (the
   * memory store): the same result, or the same error thrown. Optional; where present, the
   * router uses it and a send costs no promise.
   */
  appendNow?(mail: NewMail): AppendResult;
  /** `ack` answered in the same turn, as `appendNow` is for `append`. Optional. */
  ackNow?(userId: string, seq: number, status: "delivered" | "read", now: number): StoredReceipt[];
  /** Removes expired entries and stale idempotency keys; resolves with the entries removed. */
  expire(now: number): Promise<number>;
  /**
   * How many mailboxes hold entries (mail or receipts) not yet acknowledged: `last > acked`.
   * For the dashboard; it may scan every mailbox, so callers should not poll it often.
   */
  waitingMailboxes(): Promise<number>;
  /** Whether the store can keep mail now, as far as it knows. */
  readonly accepting: boolean;
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

/**
 * What a failed store call leaves behind: `store_unavailable`, nothing was applied;
 * `outcome_unknown`, it may have been applied (wholly, or not at all).
 */
export type StoreFailure = "store_unavailable" | "outcome_unknown";

export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreFailure;
  constructor(message: string, options: ErrorOptions & { code?: StoreFailure } = {}) {
    super(message, options);
    this.code = options.code ?? "store_unavailable";
  }
}
