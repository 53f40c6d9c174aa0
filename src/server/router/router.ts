import { randomUUID } from "node:crypto";
import type { JsonObject } from "../../protocol/index.js";
import { type ActivitySink, NO_ACTIVITY } from "../activity/activity-feed.js";
import type { Identity } from "../auth/identity.js";
import { type Broker, topics } from "../broker/broker.js";
import type {
  Acceptance,
  AppendResult,
  MailboxEntry,
  MessageStore,
  NewMail,
  StoredReceipt,
} from "../mailbox/message-store.js";
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
    try {
      return Promise.resolve(this.send(sender, data, ref));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `sendMail` answered in the same turn where the admission, the store and the broker can
   * (a recipient known, the memory store and broker): no promise for the common send. Throws
   * what `sendMail` rejects with, when it is known at once.
   */
  send(
    sender: Identity,
    data: JsonObject & { to: string },
    ref?: string,
  ): SentMail | Promise<SentMail> {
    const body = bodyOf(data);
    const mail: NewMail = {
      id: randomUUID(),
      from: sender.userId,
      to: data.to,
      ts: 0,
      body,
      bodyJson: JSON.stringify(body),
    };
    if (ref !== undefined) mail.ref = ref;
    const admission = this.admission;
    if (admission === undefined) return this.storeMail(mail, undefined);
    // Refused (MailRefusedError) before anything is stored; else stored in the sender's order.
    return admission.admit(mail.from, mail.to, Buffer.byteLength(mail.bodyJson ?? ""), (charge) =>
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
  async sendBody(
    sender: Pick<Identity, "userId">,
    to: string,
    body: JsonObject,
    bodyJson: string,
    ref?: string,
  ): Promise<SentMail> {
    const mail: NewMail = { id: randomUUID(), from: sender.userId, to, ts: 0, body, bodyJson };
    if (ref !== undefined) mail.ref = ref;
    return this.storeMail(mail, undefined);
  }

  /**
   * Stores one admitted mail (stamped now); what it took from its sender's quota is given back
   * unless stored. In the same turn where the store answers in it.
   */
  private storeMail(mail: NewMail, charge: QuotaCharge | undefined): SentMail | Promise<SentMail> {
    mail.ts = this.clock();
    const store = this.store;
    if (store.appendNow === undefined) {
      return store.append(mail).then(
        (result) => this.stored(result, charge),
        (error: unknown) => {
          charge?.refund();
          throw error;
        },
      );
    }
    let result: AppendResult;
    try {
      result = store.appendNow(mail);
    } catch (error) {
      charge?.refund();
      throw error;
    }
    return this.stored(result, charge);
  }

  /** A mail's append settled: counted, told, published live. */
  private stored(
    result: AppendResult,
    charge: QuotaCharge | undefined,
  ): SentMail | Promise<SentMail> {
    if (result.duplicate) {
      charge?.refund();
      this.metrics.duplicateSend();
      return { ...result.accepted, online: false };
    }
    const { mail: stored, dropped } = result;
    this.metrics.mailRouted("direct");
    if (dropped > 0) this.metrics.mailDropped(dropped);
    const { id, from, to, seq, ts } = stored;
    // No event made (nor a lazily parsed body read) where nobody listens: the common node.
    if (this.activity !== NO_ACTIVITY)
      this.activity.emit({ kind: "mail.accepted", id, from, to, seq, ts, body: stored.body });
    const online = this.publish(to, stored);
    if (typeof online === "boolean") return { id, to, seq, ts, online };
    return online.then((published): SentMail => ({ id, to, seq, ts, online: published }));
  }

  /**
   * Cumulative acknowledgement (or read mark) of a user's mailbox; the senders of the mail
   * it covers get `delivered` (or `read`) receipts, now if online, else when they connect [RECEIPT-1].
   */
  async ack(userId: string, seq: number, status: "delivered" | "read"): Promise<void> {
    await this.acknowledge(userId, seq, status);
  }

  /**
   * `ack` done in the same turn where the store and the broker can (memory): undefined then;
   * else a promise. Throws what `ack` rejects with, when it is known at once.
   */
  acknowledge(
    userId: string,
    seq: number,
    status: "delivered" | "read",
  ): Promise<void> | undefined {
    const store = this.store;
    const now = this.clock();
    if (store.ackNow === undefined)
      return store.ack(userId, seq, status, now).then((receipts) => this.receipted(receipts));
    return this.receipted(store.ackNow(userId, seq, status, now));
  }

  /**
   * Receipts made by an ack, published in order (a broker keeps one publisher's order) and
   * awaited together: one round trip to Redis for an ack that covers a hundred mails, not a
   * hundred.
   */
  private receipted(receipts: StoredReceipt[]): Promise<void> | undefined {
    let pending: Array<Promise<boolean>> | undefined;
    for (const receipt of receipts) {
      this.metrics.receiptMade(receipt.status);
      if (this.activity !== NO_ACTIVITY)
        this.activity.emit({
          kind: `mail.${receipt.status}`,
          id: receipt.mailId,
          from: receipt.owner,
          to: receipt.to,
          ts: receipt.ts,
        });
      const published = this.publish(receipt.owner, receipt);
      if (typeof published === "boolean") continue;
      pending ??= [];
      pending.push(published);
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** Removes expired mail; run periodically by the node. */
  async expire(): Promise<void> {
    const removed = await this.store.expire(this.clock());
    if (removed > 0) this.metrics.mailExpired(removed);
  }

  /**
   * Live delivery of what is already stored; true if a session of the user was there to take
   * it (in the same turn where the broker delivers in process). It cannot fail the command:
   * the entry is kept, and a session that misses it reads it from the store on its next
   * replay or gap.
   */
  private publish(userId: string, entry: MailboxEntry): boolean | Promise<boolean> {
    try {
      const topic = topics.mailbox(userId);
      const message = { seq: entry.seq, frame: encodeEntry(entry) };
      const broker = this.broker;
      if (broker.publishNow !== undefined) return broker.publishNow(topic, message);
      return broker.publish(topic, message).catch((error: unknown) => {
        this.onPublishError(error, userId);
        return false;
      });
    } catch (error) {
      this.onPublishError(error, userId);
      return false;
    }
  }
}
