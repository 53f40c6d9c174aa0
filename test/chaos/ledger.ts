/**
 * What the clients of a chaos run did and saw: every mail, every attempt to send it (on which
 * connection, when, and how it was answered), and every mailbox entry a device received.
 * The checks (checks.ts) compare it with the mailboxes read at the end.
 */

/**
 * How one attempt ended: `accepted`; `no_answer` (the connection closed first, so the outcome
 * is unknown [DELIVERY-4]); or the `code` of the error frame that answered it.
 */
export type AttemptOutcome = "pending" | "accepted" | "no_answer" | string;

export interface Attempt {
  mail: Mail;
  connection: number;
  /** Harness clock (Date.now) when the frame was written. */
  sentAt: number;
  outcome: AttemptOutcome;
  answeredAt?: number;
  /** From the `accepted` receipt: the mail's server id and `ts`. */
  receiptId?: string;
  receiptTs?: number;
}

export interface Mail {
  /** Also the frame `id` of every attempt: a retry is the same frame [DELIVERY-4]. */
  key: string;
  sender: string;
  recipient: string;
  /** The exact frame text, resent unchanged. */
  text: string;
  attempts: Attempt[];
  acceptedId?: string;
  /** When the first `accepted` receipt arrived. */
  acceptedAt?: number;
  /** The client gave up on it (after a refusal or an unanswered attempt). */
  abandoned: boolean;
}

/** A kind of anomaly the run saw while it went on (the end-of-run checks add their own). */
export type LiveAnomaly =
  | "two_ids_for_one_mail"
  | "id_seq_mismatch"
  | "seq_reused"
  | "session_duplicate"
  | "session_gap"
  | "since_violation"
  | "unknown_body"
  | "unexpected_error"
  | "unexpected_receipt";

export interface Observation {
  seq: number;
  key: string | undefined;
}

/** At most this many examples of each anomaly are kept (all are counted). */
const EXAMPLES_PER_KIND = 5;

export class Ledger {
  readonly mails = new Map<string, Mail>();
  /** Attempts per connection, in the order they were sent. */
  readonly connections = new Map<number, Attempt[]>();
  /** Every mailbox entry seen by any device: server id → its seq and body key. */
  readonly seen = new Map<string, Observation>();
  /** Per mailbox, seq → server id, to catch a seq given to two entries. */
  private readonly seqOwners = new Map<string, Map<number, string>>();
  /** `delivered`/`read` receipts the senders received live: `${id} ${status}`. */
  readonly receiptsSeen = new Set<string>();
  readonly anomalies = new Map<string, number>();
  readonly examples: string[] = [];
  private readonly examplesPerKind = new Map<string, number>();
  redeliveries = 0;
  /** Sessions closed with `internal_error` (1011) because they could not start: allowed, counted. */
  sessionsFailed = 0;
  private nextConnection = 1;

  newConnection(): number {
    const id = this.nextConnection++;
    this.connections.set(id, []);
    return id;
  }

  newMail(key: string, sender: string, recipient: string, text: string): Mail {
    const mail: Mail = { key, sender, recipient, text, attempts: [], abandoned: false };
    this.mails.set(key, mail);
    return mail;
  }

  attempt(mail: Mail, connection: number): Attempt {
    const attempt: Attempt = { mail, connection, sentAt: Date.now(), outcome: "pending" };
    mail.attempts.push(attempt);
    this.connections.get(connection)?.push(attempt);
    return attempt;
  }

  accepted(attempt: Attempt, id: string, ts: number): void {
    attempt.outcome = "accepted";
    attempt.answeredAt = Date.now();
    attempt.receiptId = id;
    attempt.receiptTs = ts;
    const mail = attempt.mail;
    if (mail.acceptedId !== undefined && mail.acceptedId !== id) {
      this.anomaly(
        "two_ids_for_one_mail",
        `${mail.key} accepted as ${mail.acceptedId} and again as ${id} (a retry stored twice)`,
      );
    }
    mail.acceptedId ??= id;
    mail.acceptedAt ??= attempt.answeredAt;
  }

  refused(attempt: Attempt, code: string): void {
    attempt.outcome = code;
    attempt.answeredAt = Date.now();
  }

  unanswered(attempt: Attempt): void {
    if (attempt.outcome === "pending") attempt.outcome = "no_answer";
  }

  /**
   * A mailbox entry reached a device: the same id must always come with the same seq and
   * body, and a seq of a mailbox must always name the same entry.
   */
  observe(mailbox: string, id: string, seq: number, key: string | undefined): void {
    const earlier = this.seen.get(id);
    if (earlier === undefined) this.seen.set(id, { seq, key });
    else if (earlier.seq !== seq || earlier.key !== key) {
      this.anomaly(
        "id_seq_mismatch",
        `${mailbox}: ${id} came as seq ${seq} (${key}) after seq ${earlier.seq} (${earlier.key})`,
      );
    }
    let owners = this.seqOwners.get(mailbox);
    if (owners === undefined) {
      owners = new Map();
      this.seqOwners.set(mailbox, owners);
    }
    const owner = owners.get(seq);
    if (owner === undefined) owners.set(seq, id);
    else if (owner !== id) {
      this.anomaly("seq_reused", `${mailbox}: seq ${seq} was ${owner}, then ${id}`);
    }
    if (key !== undefined && !this.mails.has(key) && !key.startsWith("probe-")) {
      this.anomaly("unknown_body", `${mailbox}: ${id} seq ${seq} carries a key never sent: ${key}`);
    }
  }

  anomaly(kind: LiveAnomaly | string, detail: string): void {
    this.anomalies.set(kind, (this.anomalies.get(kind) ?? 0) + 1);
    const shown = this.examplesPerKind.get(kind) ?? 0;
    if (shown < EXAMPLES_PER_KIND) {
      this.examplesPerKind.set(kind, shown + 1);
      this.examples.push(`${kind}: ${detail}`);
    }
  }

  count(kind: string): number {
    return this.anomalies.get(kind) ?? 0;
  }

  /** Mails answered `accepted` so far. */
  acceptedCount(): number {
    let n = 0;
    for (const mail of this.mails.values()) if (mail.acceptedId !== undefined) n += 1;
    return n;
  }
}
