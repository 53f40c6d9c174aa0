import type { Attempt, Ledger, Mail } from "./ledger.js";
import type { SeededRandom } from "./seeded-random.js";
import { sleep } from "./sleep.js";
import { type WireFrame, WireSession } from "./wire-session.js";

export interface SenderOptions {
  user: string;
  token: string;
  recipients: readonly string[];
  ledger: Ledger;
  rng: SeededRandom;
  /** The node to connect to next (one of the running ones). */
  url: () => string;
  /** New mail per second while producing; 0 for a sender that only sends what it is given. */
  mailsPerSecond: number;
  /** Chance to give up on a mail refused with a "not kept" code, instead of retrying it. */
  abandonRefused: number;
  /** Chance to give up on a mail whose attempt the connection's end left unanswered. */
  abandonUnanswered: number;
}

/** Answers after which a client retries the same frame later [DELIVERY-4]. */
const RETRIED = new Set([
  "store_unavailable",
  "outcome_unknown",
  "internal_error",
  "mailbox_full",
  "rate_limited",
  "server_shutdown",
]);

const TICK_MS = 10;

/**
 * One user who sends mail as a careful client does: pipelined sends (a random window per
 * connection), every mail a fresh frame `id`; an unanswered or refused mail is sent again,
 * unchanged, on this connection or the next; on reconnect the mail still owed is resent
 * first, in order. It acknowledges the receipts that come to its own mailbox.
 */
export class Sender {
  private n = 0;
  /** Mail not accepted yet (and not given up), in the order it was made. */
  private readonly pending: Mail[] = [];
  private readonly retryAt = new Map<Mail, number>();
  /** This connection's attempts still waiting for their answer, by frame id. */
  private readonly outstanding = new Map<string, Attempt>();
  /** Mail the run asked for (the flood of a slow-reader fault). */
  private readonly queued: Array<{ recipient: string; padBytes: number }> = [];
  private session: WireSession | undefined;
  private connection = 0;
  private window = 8;
  private producing: boolean;
  private credit = 0;
  private stopped = false;
  private ownSeq = 0;
  private ackedOwn = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SenderOptions) {
    this.producing = options.mailsPerSecond > 0;
  }

  get user(): string {
    return this.options.user;
  }

  /** Mail not accepted yet (given-up mail excluded). */
  get owed(): number {
    return this.pending.length + this.queued.length;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Sends `count` mails of about `padBytes` each to `recipient`, as soon as the window allows. */
  enqueue(recipient: string, count: number, padBytes: number): void {
    for (let i = 0; i < count; i++) this.queued.push({ recipient, padBytes });
  }

  stopProducing(): void {
    this.producing = false;
  }

  /** Resolves once every mail is accepted or given up, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.owed > 0) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.session?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connectAndServe();
      } catch {
        // Refused or not reachable (the node is down or draining): try again shortly.
      }
      if (!this.stopped) await sleep(this.options.rng.int(10, 80));
    }
  }

  private async connectAndServe(): Promise<void> {
    const connection = this.options.ledger.newConnection();
    const session = await WireSession.open({
      url: this.options.url(),
      token: this.options.token,
      onFrame: (frame) => this.onFrame(frame),
    });
    if (this.stopped) {
      session.close();
      return;
    }
    this.session = session;
    this.connection = connection;
    this.window = this.options.rng.int(1, 32);
    this.credit = 0;
    const timer = setInterval(() => this.pump(), TICK_MS);
    this.pump();
    await session.closed;
    clearInterval(timer);
    this.session = undefined;
    // The receipts of sends still waiting are never sent: resend those [DELIVERY-4].
    for (const attempt of this.outstanding.values()) {
      this.options.ledger.unanswered(attempt);
      if (this.options.rng.chance(this.options.abandonUnanswered)) this.abandon(attempt.mail);
    }
    this.outstanding.clear();
  }

  private pump(): void {
    const session = this.session;
    if (session === undefined || !session.isOpen) return;
    const now = Date.now();
    for (const mail of this.pending) {
      if (this.outstanding.size >= this.window) return;
      if (this.outstanding.has(mail.key) || (this.retryAt.get(mail) ?? 0) > now) continue;
      this.send(session, mail);
    }
    while (this.queued.length > 0 && this.outstanding.size < this.window) {
      const next = this.queued.shift();
      if (next) this.send(session, this.make(next.recipient, next.padBytes));
    }
    if (this.producing) {
      this.credit = Math.min(this.credit + (this.options.mailsPerSecond * TICK_MS) / 1000, 8);
      while (this.credit >= 1 && this.outstanding.size < this.window) {
        this.credit -= 1;
        this.send(session, this.make(this.options.rng.pick(this.options.recipients), 0));
      }
    }
    if (this.ownSeq > this.ackedOwn && this.options.rng.chance(0.05)) {
      this.ackedOwn = this.ownSeq;
      session.send({ type: "ack", id: `ack-${this.ownSeq}`, data: { seq: this.ownSeq } });
    }
  }

  private make(recipient: string, padBytes: number): Mail {
    this.n += 1;
    const key = `${this.options.user}-${this.n}`;
    const data: Record<string, unknown> = { to: recipient, k: key };
    if (padBytes > 0) data.pad = "x".repeat(padBytes);
    const text = JSON.stringify({ type: "message", id: key, data });
    const mail = this.options.ledger.newMail(key, this.options.user, recipient, text);
    this.pending.push(mail);
    return mail;
  }

  private send(session: WireSession, mail: Mail): void {
    this.outstanding.set(mail.key, this.options.ledger.attempt(mail, this.connection));
    session.send(mail.text);
  }

  private onFrame(frame: WireFrame): void {
    const data = frame.data ?? {};
    switch (frame.type) {
      case "receipt":
        this.onReceipt(frame.ref, data);
        return;
      case "error":
        this.onError(frame.ref, String(data.code));
        return;
      default:
        return;
    }
  }

  private onReceipt(ref: string | undefined, data: Record<string, unknown>): void {
    const { ledger } = this.options;
    if (data.status !== "accepted") {
      // `delivered` and `read`: entries of this user's own mailbox [RECEIPT-1].
      ledger.receiptsSeen.add(`${String(data.id)} ${String(data.status)}`);
      if (typeof data.seq === "number") this.ownSeq = Math.max(this.ownSeq, data.seq);
      return;
    }
    const attempt = ref === undefined ? undefined : this.outstanding.get(ref);
    if (attempt === undefined) {
      ledger.anomaly("unexpected_receipt", `${this.user}: accepted receipt for ${ref}`);
      return;
    }
    this.outstanding.delete(attempt.mail.key);
    ledger.accepted(attempt, String(data.id), Number(data.ts));
    this.forget(attempt.mail);
  }

  private onError(ref: string | undefined, code: string): void {
    if (ref?.startsWith("ack-") && (code === "store_unavailable" || code === "outcome_unknown")) {
      // The mark was not kept, or may not have been: acknowledge again later.
      this.ackedOwn = 0;
      return;
    }
    if (ref === undefined && code === "internal_error") {
      // The session could not start (its mailbox could not be read): it closes with 1011.
      this.options.ledger.sessionsFailed += 1;
      return;
    }
    const attempt = ref === undefined ? undefined : this.outstanding.get(ref);
    if (attempt === undefined) {
      this.options.ledger.anomaly("unexpected_error", `${this.user}: ${code} (ref ${ref})`);
      return;
    }
    this.outstanding.delete(attempt.mail.key);
    this.options.ledger.refused(attempt, code);
    if (!RETRIED.has(code)) {
      this.options.ledger.anomaly("unexpected_error", `${this.user}: ${code} for ${ref}`);
      this.abandon(attempt.mail);
    } else if (this.options.rng.chance(this.options.abandonRefused)) {
      this.abandon(attempt.mail);
    } else {
      this.retryAt.set(attempt.mail, Date.now() + this.options.rng.int(30, 300));
    }
  }

  private abandon(mail: Mail): void {
    mail.abandoned = true;
    this.forget(mail);
  }

  private forget(mail: Mail): void {
    this.retryAt.delete(mail);
    const index = this.pending.indexOf(mail);
    if (index >= 0) this.pending.splice(index, 1);
  }
}
