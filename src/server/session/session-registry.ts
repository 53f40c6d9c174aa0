import { type Broker, topics } from "../broker/broker.js";
import { TopicMembers } from "../broker/topic-members.js";
import { PreparedFrame } from "../wire/prepared-frame.js";
import { ConnectionClaims } from "./connection-claims.js";
import type { Session } from "./session.js";

/**
 * The sessions of this node: all of them (for heartbeats and drains) and, once
 * authenticated, by user, with one broker subscription per user present on the node.
 */
export class SessionRegistry {
  private readonly all = new Set<Session>();
  private readonly users: TopicMembers<Session>;
  /** Keys one session at a time may hold (a dialect's `supersede`: GO-POSTOFFICE's clientID). */
  readonly claims = new ConnectionClaims<Session>();

  constructor(private readonly broker: Broker) {
    this.users = new TopicMembers(broker, topics.mailbox, (sessions, _userId, message) => {
      if (message.seq === 0) {
        // An event's notice to the user: live, outside the mailbox's numbering [EVENT-2].
        const frame = new PreparedFrame(message.frame);
        for (const session of sessions) session.deliverNotice(frame);
        return;
      }
      if (sessions.size === 1) {
        for (const session of sessions) session.offerMail(message);
        return;
      }
      // Every device of the user gets the same bytes: framed once, not once per device.
      const frame = new PreparedFrame(message.frame);
      for (const session of sessions) session.offerMail(message, frame);
    });
  }

  get size(): number {
    return this.all.size;
  }

  sessions(): IterableIterator<Session> {
    return this.all.values();
  }

  /** Sessions of the user on this node. */
  sessionCount(userId: string): number {
    return this.users.count(userId);
  }

  /** Broadcasts reach every authenticated session of the node. */
  async followBroadcasts(): Promise<void> {
    await this.broker.subscribe(topics.broadcast, (message) => {
      const frame = new PreparedFrame(message.frame);
      for (const session of this.all) if (session.identity) session.sendPrepared(frame);
    });
  }

  add(session: Session): void {
    this.all.add(session);
  }

  /** Makes the session reachable as its user; resolves once mail for the user reaches it. */
  attach(session: Session, userId: string): Promise<void> {
    // Its promise as it is, not awaited in one more: one promise less per connection.
    return this.users.add(userId, session);
  }

  detach(session: Session, userId: string): void {
    this.users.remove(userId, session);
  }

  remove(session: Session): void {
    this.all.delete(session);
    this.claims.release(session);
    if (session.identity) this.detach(session, session.identity.userId);
  }
}
