import type { MailboxContents, StoredEntry } from "./final-read.js";
import type { Attempt, Ledger, Mail } from "./ledger.js";

/** What the end-of-run checks found; every count but the last group must be 0. */
export interface Verdict {
  /** Mails sent (distinct), attempts, and how the attempts ended. */
  mails: number;
  attempts: number;
  accepted: number;
  outcomes: Record<string, number>;
  /** Answered `accepted`, but not in the mailbox (or there under another id). */
  lost: string[];
  /** Stored in an order the sender's order forbids. */
  reordered: string[];
  /** One mail (one frame id, same body) stored twice [DELIVERY-4]. */
  storedTwice: string[];
  /** Stored although every attempt was refused with a "not kept" code other than `store_unavailable`, or with a body never sent. */
  phantoms: string[];
  /** Stored although the attempt that stored it was answered `store_unavailable` (issue 13 item 12). */
  refusedButStored: string[];
  /** …of which the client never heard `accepted` (it gave up, as the docs allowed it to). */
  refusedButStoredNeverAccepted: number;
  /** Seen by a device, then not in the mailbox with that seq. */
  vanished: string[];
  /** Seqs missing in a mailbox (no expiry or eviction in these runs). */
  holes: string[];
  /** Mails whose sender did not get exactly one `delivered` receipt, or a receipt about nothing. */
  receiptErrors: string[];
  /** Allowed, counted: stored though their attempt was unanswered, or answered with an unknown outcome. */
  storedUnanswered: number;
  storedOutcomeUnknown: number;
  storedInternalError: number;
  /** Mails the client gave up on, and how many of those were stored anyway (allowed when unanswered). */
  abandoned: number;
  abandonedStored: number;
  /** Same mail again to the same device in a later session: allowed (redelivery), counted. */
  redeliveries: number;
}

/** Outcomes of an attempt that stored its mail while the server handled it, in frame order. */
const STORED_IN_ORDER = new Set(["accepted", "no_answer", "pending"]);

/**
 * Compares what the clients were told with what the mailboxes hold at the end. Which attempt
 * stored a mail is found from the mail's `ts`, stamped when the server handled that attempt:
 * the last attempt sent at or before it.
 */
export function check(
  ledger: Ledger,
  recipients: MailboxContents[],
  senders: MailboxContents[],
): Verdict {
  const verdict: Verdict = {
    mails: ledger.mails.size,
    attempts: 0,
    accepted: 0,
    outcomes: {},
    lost: [],
    reordered: [],
    storedTwice: [],
    phantoms: [],
    refusedButStored: [],
    refusedButStoredNeverAccepted: 0,
    vanished: [],
    holes: [],
    receiptErrors: [],
    storedUnanswered: 0,
    storedOutcomeUnknown: 0,
    storedInternalError: 0,
    abandoned: 0,
    abandonedStored: 0,
    redeliveries: ledger.redeliveries,
  };
  const byKey = new Map<string, StoredEntry[]>();
  const byId = new Map<string, StoredEntry>();
  for (const box of recipients) {
    for (const seq of box.holes) verdict.holes.push(`${box.user} seq ${seq}`);
    for (const entry of box.entries) {
      if (entry.kind !== "mail") continue;
      byId.set(entry.id, entry);
      if (entry.key === undefined || !ledger.mails.has(entry.key)) {
        if (!entry.key?.startsWith("probe-"))
          verdict.phantoms.push(`${box.user} seq ${entry.seq}: a body never sent (${entry.key})`);
        continue;
      }
      const list = byKey.get(entry.key) ?? [];
      list.push(entry);
      byKey.set(entry.key, list);
    }
  }

  const storing = new Map<Mail, { entry: StoredEntry; attempt: Attempt | undefined }>();
  for (const mail of ledger.mails.values()) {
    verdict.attempts += mail.attempts.length;
    for (const attempt of mail.attempts)
      verdict.outcomes[attempt.outcome] = (verdict.outcomes[attempt.outcome] ?? 0) + 1;
    if (mail.acceptedId !== undefined) verdict.accepted += 1;
    if (mail.abandoned) verdict.abandoned += 1;
    const entries = byKey.get(mail.key) ?? [];
    if (entries.length > 1) {
      verdict.storedTwice.push(
        `${mail.key} to ${mail.recipient}: seqs ${entries.map((e) => e.seq).join(", ")}`,
      );
    }
    if (mail.acceptedId !== undefined && !entries.some((e) => e.id === mail.acceptedId)) {
      verdict.lost.push(
        `${mail.key} to ${mail.recipient}, accepted as ${mail.acceptedId} at ${iso(mail.acceptedAt)}` +
          (entries.length > 0 ? ` (stored as ${entries[0]?.id} instead)` : "") +
          ` — attempts: ${describeAttempts(mail)}`,
      );
    }
    const entry = entries[0];
    if (entry === undefined) continue;
    const attempt = storingAttempt(mail, entry.ts);
    storing.set(mail, { entry, attempt });
    if (mail.abandoned) verdict.abandonedStored += 1;
    classifyStored(verdict, mail, entry, attempt);
  }

  checkOrder(ledger, storing, verdict);
  for (const [id, seen] of ledger.seen) {
    if (seen.key?.startsWith("probe-")) continue;
    const entry = byId.get(id);
    if (entry === undefined || entry.seq !== seen.seq) {
      verdict.vanished.push(
        `${id} (${seen.key}) seen at seq ${seen.seq}, now ${entry?.seq ?? "gone"}`,
      );
    }
  }
  checkReceipts(ledger, recipients, senders, verdict);
  return verdict;
}

function classifyStored(
  verdict: Verdict,
  mail: Mail,
  entry: StoredEntry,
  attempt: Attempt | undefined,
): void {
  const outcome = attempt?.outcome ?? "none";
  switch (outcome) {
    case "accepted":
      return;
    case "no_answer":
    case "pending":
      verdict.storedUnanswered += 1;
      return;
    case "outcome_unknown":
      verdict.storedOutcomeUnknown += 1;
      return;
    case "internal_error":
      verdict.storedInternalError += 1;
      return;
    case "store_unavailable":
      verdict.refusedButStored.push(
        `${mail.key} to ${mail.recipient} seq ${entry.seq}: answered store_unavailable at ${iso(attempt?.answeredAt)}, stored with ts ${iso(entry.ts)} — attempts: ${describeAttempts(mail)}`,
      );
      if (mail.acceptedId === undefined) verdict.refusedButStoredNeverAccepted += 1;
      return;
    default:
      verdict.phantoms.push(
        `${mail.key} to ${mail.recipient} seq ${entry.seq}: stored by an attempt answered ${outcome} — attempts: ${describeAttempts(mail)}`,
      );
  }
}

/** The attempt the server was handling when it stamped `ts`: the last one sent by then. */
function storingAttempt(mail: Mail, ts: number): Attempt | undefined {
  let found: Attempt | undefined;
  for (const attempt of mail.attempts) if (attempt.sentAt <= ts) found = attempt;
  return found ?? mail.attempts[0];
}

/**
 * Order per sender and recipient, from what the sender could know:
 * - a mail accepted before another was sent (by the attempt that stored it) comes first;
 * - on one connection, a mail accepted by an attempt sent before another mail's storing
 *   attempt comes first: sends of a connection are stored in the order of its frames.
 */
function checkOrder(
  ledger: Ledger,
  storing: Map<Mail, { entry: StoredEntry; attempt: Attempt | undefined }>,
  verdict: Verdict,
): void {
  const bad = new Map<Mail, string>();
  const groups = new Map<string, Mail[]>();
  for (const mail of storing.keys()) {
    const group = `${mail.sender}>${mail.recipient}`;
    const list = groups.get(group) ?? [];
    list.push(mail);
    groups.set(group, list);
  }
  for (const mails of groups.values()) {
    const accepted = mails
      .filter((m) => m.acceptedAt !== undefined)
      .sort((a, b) => (a.acceptedAt ?? 0) - (b.acceptedAt ?? 0));
    const stored = [...mails].sort(
      (a, b) => (storing.get(a)?.attempt?.sentAt ?? 0) - (storing.get(b)?.attempt?.sentAt ?? 0),
    );
    let i = 0;
    let maxSeq = 0;
    let maxMail: Mail | undefined;
    for (const mail of stored) {
      const sentAt = storing.get(mail)?.attempt?.sentAt ?? 0;
      for (; i < accepted.length && (accepted[i]?.acceptedAt ?? 0) < sentAt; i++) {
        const earlier = accepted[i] as Mail;
        const seq = storing.get(earlier)?.entry.seq ?? 0;
        if (seq > maxSeq) {
          maxSeq = seq;
          maxMail = earlier;
        }
      }
      const seq = storing.get(mail)?.entry.seq ?? 0;
      if (maxMail !== undefined && maxMail !== mail && maxSeq > seq) {
        bad.set(
          mail,
          `${mail.key} (seq ${seq}) sent at ${iso(sentAt)} after ${maxMail.key} (seq ${maxSeq}) was accepted at ${iso(maxMail.acceptedAt)}`,
        );
      }
    }
  }
  for (const [connection, attempts] of ledger.connections) {
    const highest = new Map<string, { seq: number; key: string }>();
    for (const attempt of attempts) {
      const stored = storing.get(attempt.mail);
      if (stored === undefined) continue;
      const recipient = attempt.mail.recipient;
      const before = highest.get(recipient);
      // A storing attempt answered with an error may have run late (issue 13 item 12): it is
      // counted there, not here.
      const stores = stored.attempt === attempt && STORED_IN_ORDER.has(attempt.outcome);
      if (stores && before !== undefined && before.seq > stored.entry.seq) {
        bad.set(
          attempt.mail,
          `${attempt.mail.key} (seq ${stored.entry.seq}, ${attempt.outcome}) stored after ${before.key} (seq ${before.seq}, accepted before it on connection ${connection}) — attempts: ${describeAttempts(attempt.mail)}`,
        );
      }
      if (attempt.outcome === "accepted" && (before?.seq ?? 0) < stored.entry.seq)
        highest.set(recipient, { seq: stored.entry.seq, key: attempt.mail.key });
    }
  }
  verdict.reordered = [...bad.values()];
}

/**
 * Every stored mail was acknowledged at the end, so its sender's mailbox holds exactly one
 * `delivered` receipt about it, at most one `read` receipt, and no receipt about anything else
 * [RECEIPT-1]; a receipt a sender received live is still there.
 */
function checkReceipts(
  ledger: Ledger,
  recipients: MailboxContents[],
  senders: MailboxContents[],
  verdict: Verdict,
): void {
  const mailIds = new Map<string, string>();
  for (const box of recipients)
    for (const entry of box.entries)
      if (entry.kind === "mail" && entry.from !== undefined) mailIds.set(entry.id, entry.from);
  const counts = new Map<string, number>();
  for (const box of senders) {
    for (const seq of box.holes) verdict.holes.push(`${box.user} seq ${seq}`);
    for (const entry of box.entries) {
      if (entry.kind !== "receipt") continue;
      const key = `${entry.id} ${entry.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (mailIds.get(entry.id) !== box.user)
        verdict.receiptErrors.push(
          `${box.user}: ${entry.status} receipt about ${entry.id}, not its mail`,
        );
    }
  }
  const sendersRead = new Set(senders.map((box) => box.user));
  for (const [id, from] of mailIds) {
    if (!sendersRead.has(from)) continue;
    const delivered = counts.get(`${id} delivered`) ?? 0;
    const read = counts.get(`${id} read`) ?? 0;
    if (delivered !== 1 || read > 1)
      verdict.receiptErrors.push(
        `${from}: ${delivered} delivered and ${read} read receipts about ${id}`,
      );
  }
  for (const key of ledger.receiptsSeen) {
    if (!counts.has(key)) verdict.receiptErrors.push(`receipt ${key} seen live, gone at the end`);
  }
}

function describeAttempts(mail: Mail): string {
  return mail.attempts
    .map(
      (a) =>
        `#${a.connection} ${iso(a.sentAt)} → ${a.outcome}${a.receiptId ? ` ${a.receiptId}` : ""}`,
    )
    .join("; ");
}

function iso(ms: number | undefined): string {
  return ms === undefined ? "?" : new Date(ms).toISOString().slice(11, 23);
}
