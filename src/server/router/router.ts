import { randomUUID } from "node:crypto";
import type { JsonObject, Mail } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import { type Broker, topics } from "../broker/broker.js";
import type { MessageStore } from "../mailbox/message-store.js";
import type { Metrics } from "../metrics/metrics.js";
import { encodeMail } from "./mailbox-feed.js";

/** Fields of a message frame's data that address it rather than make up its body. */
const ADDRESS_FIELDS = new Set(["to"]);

/**
 * Turns commands into deliveries. Knows no sockets: it stores mail, then publishes it on the
 * broker, where the recipient's sessions (on this node or another) pick it up.
 */
export class Router {
  constructor(
    readonly store: MessageStore,
    private readonly broker: Broker,
    private readonly metrics: Metrics,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Mail to one user. Resolves once the mail is stored: only then may the sender be told
   * `accepted` [DELIVERY-1]. The sender comes from the identity, never from the data [SENDER-1].
   */
  async sendMail(sender: Identity, data: JsonObject & { to: string }): Promise<Mail> {
    const mail = await this.store.append({
      id: randomUUID(),
      from: sender.userId,
      to: data.to,
      ts: this.clock(),
      body: bodyOf(data),
    });
    this.metrics.messagesRouted.inc({ kind: "direct" });
    await this.broker.publish(topics.mailbox(mail.to), { seq: mail.seq, frame: encodeMail(mail) });
    return mail;
  }

  async ack(userId: string, seq: number): Promise<void> {
    await this.store.ack(userId, seq);
  }

  /** Where a new session of the user starts reading its mailbox. */
  async resumePosition(userId: string): Promise<number> {
    return this.store.ackedSeq(userId);
  }
}

function bodyOf(data: JsonObject): JsonObject {
  const body: JsonObject = {};
  for (const key of Object.keys(data)) {
    if (!ADDRESS_FIELDS.has(key)) body[key] = data[key] as JsonObject[string];
  }
  return body;
}
