import { randomUUID } from "node:crypto";
import type { JsonObject } from "../../protocol/index.js";
import { type ActivitySink, NO_ACTIVITY } from "../activity/activity-feed.js";
import type { Identity } from "../auth/identity.js";
import { type Broker, topics } from "../broker/broker.js";
import type { Acceptance, MailboxEntry, MessageStore } from "../mailbox/message-store.js";
import type { Metrics } from "../metrics/metrics.js";
import { bodyOf } from "./body-of.js";
import { encodeEntry } from "./encode-entry.js";
import type { MailAdmission } from "./mail-admission.js";
import type { QuotaCharge } from "./sender-quota.js";

/**
 * The sender's `accepted`, and whether the mail was handed to a session of its recipient
 * (`online`: one was connected, on this node or another, when it was published) or waits in
 * the mailbox. A retry answered from the idempotency window says `online: false`: it was not
 * published again.
 */
export interface SentMail extends Acceptance {
  online: boolean;
}

/**
 * Turns commands into deliveries. Knows no sockets: it stores mail, then publishes it on the
 * broker, where the recipient's sessions (on this node or another) pick it up.
 */
export class Router {
  constructor(
    readonly store: MessageStore,
    private readonly broker: Broker,
    private readonly metrics: Metrics,
    /** A stored entry that could not be published live; its recipient gets it on replay. */
    private readonly onPublishError: (error: unknown, userId: string) => void,
    options: {
      clock?: () => number;
      /** Told of each mail stored and each receipt made here, after the fact (the AMQP bridge). */
      activity?: ActivitySink;
      /** Who may mail whom, and how much [LIMIT-8]; absent: anyone, any amount. */
      admission?: MailAdmission;
    } = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.activity = options.activity ?? NO_ACTIVITY;
    this.admission = options.admission;
  }

  private readonly clock: () => number;
  private readonly activity: ActivitySink;
  private readonly admission: MailAdmission | undefined;

  /**
   * Mail to one user. Resolves once the mail is stored: only then may the sender be told
   * `accepted` [DELIVERY-1]. The sender comes from the identity, never from the data
   * [SENDER-1]. A retry with the same `ref` is accepted again without storing twice [DELIVERY-4].
   */
  sendMail(sender: Identity, data: JsonObject & { to: string }, ref?: string): Promise<SentMail> {
    const body = bodyOf(data);
    const mail = { from: sender.userId, to: data.to, body, bodyJson: JSON.stringify(body), ref };
    if (this.admission === undefined) return this.storeMail(mail, undefined);
    // Refused (MailRefusedError) before anything is stored; else stored in the sender's order.
    return this.admission.admit(mail.from, mail.to, Buffer.byteLength(mail.bodyJson), (charge) =>
      this.storeMail(mail, charge),
    );
  }

  /**
   * Mail from a backend (the server API, the AMQP bridge, through publish/) whose body is apart
   * from its address already: `bodyJson` is its `JSON.stringify`, serialized once for every
   * recipient. Not subject to the clients' sender quotas and recipient policy [LIMIT-8]: a
   * backend is paced by its API key's rate (`api.rate`) or its queue's prefetch, and may mail
   * users who have not connected yet.
   */
  sendBody(
    sender: Pick<Identity, "userId">,
    to: string,
    body: JsonObject,
    bodyJson: string,
    ref?: string,
  ): Promise<SentMail> {
    return this.storeMail({ from: sender.userId, to, body, bodyJson, ref }, undefined);
  }

  /** Stores one admitted mail; what it took from its sender's quota is given back unless stored. */
  private async storeMail(
    mail: { from: string; to: string; body: JsonObject; bodyJson: string; ref: string | undefined },
    charge: QuotaCharge | undefined,
  ): Promise<SentMail> {
    let result: Awaited<ReturnType<MessageStore["append"]>>;
    try {
      result = await this.store.append({
        id: randomUUID(),
        from: mail.from,
        to: mail.to,
        ts: this.clock(),
        body: mail.body,
        bodyJson: mail.bodyJson,
        ...(mail.ref === undefined ? {} : { ref: mail.ref }),
      });
    } catch (error) {
      charge?.refund();
      throw error;
    }
    if (result.duplicate) {
      charge?.refund();
      this.metrics.duplicateSend();
      return { ...result.accepted, online: false };
    }
    const { mail: stored, dropped } = result;
    this.metrics.mailRouted("direct");
    if (dropped > 0) this.metrics.mailDropped(dropped);
    const { id, from, seq, ts } = stored;
    this.activity.emit({
      kind: "mail.accepted",
      id,
      from,
      to: stored.to,
      seq,
      ts,
      body: stored.body,
    });
    const online = await this.publish(stored.to, stored);
    return { id, to: stored.to, seq, ts, online };
  }

  /**
   * Cumulative acknowledgement (or read mark) of a user's mailbox; the senders of the mail
   * it covers get `delivered` (or `read`) receipts, now if online, else when they connect [RECEIPT-1].
   */
  async ack(userId: string, seq: number, status: "delivered" | "read"): Promise<void> {
    const receipts = await this.store.ack(userId, seq, status, this.clock());
    // Published in order (a broker keeps one publisher's order) and awaited together: one
    // round trip to Redis for an ack that covers a hundred mails, not a hundred.
    await Promise.all(
      receipts.map((receipt) => {
        this.metrics.receiptMade(receipt.status);
        this.activity.emit({
          kind: `mail.${receipt.status}`,
          id: receipt.mailId,
          from: receipt.owner,
          to: receipt.to,
          ts: receipt.ts,
        });
        return this.publish(receipt.owner, receipt);
      }),
    );
  }

  /** Removes expired mail; run periodically by the node. */
  async expire(): Promise<void> {
    const removed = await this.store.expire(this.clock());
    if (removed > 0) this.metrics.mailExpired(removed);
  }

  /**
   * Live delivery of what is already stored; true if a session of the user was there to take
   * it. It cannot fail the command: the entry is kept, and a session that misses it reads it
   * from the store on its next replay or gap.
   */
  private async publish(userId: string, entry: MailboxEntry): Promise<boolean> {
    try {
      const frame = encodeEntry(entry);
      return await this.broker.publish(topics.mailbox(userId), { seq: entry.seq, frame });
    } catch (error) {
      this.onPublishError(error, userId);
      return false;
    }
  }
}
