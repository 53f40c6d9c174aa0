import { type Broker, type BrokerMessage, topics } from "../broker/broker.js";
import type { Session } from "./session.js";

interface UserEntry {
  sessions: Set<Session>;
  unsubscribe: Promise<() => void>;
}

/**
 * The sessions of this node: all of them (for heartbeats and drains) and, once
 * authenticated, by user, with one broker subscription per user present on the node.
 */
export class SessionRegistry {
  private readonly all = new Set<Session>();
  private readonly users = new Map<string, UserEntry>();

  constructor(private readonly broker: Broker) {}

  get size(): number {
    return this.all.size;
  }

  get authenticatedUsers(): number {
    return this.users.size;
  }

  sessions(): IterableIterator<Session> {
    return this.all.values();
  }

  /** Sessions of the user on this node. */
  sessionCount(userId: string): number {
    return this.users.get(userId)?.sessions.size ?? 0;
  }

  /** Broadcasts reach every authenticated session of the node. */
  async followBroadcasts(): Promise<void> {
    await this.broker.subscribe(topics.broadcast, (message) => {
      for (const session of this.all) if (session.identity) session.sendText(message.frame);
    });
  }

  add(session: Session): void {
    this.all.add(session);
  }

  /** Makes the session reachable as its user; resolves once mail for the user reaches it. */
  async attach(session: Session, userId: string): Promise<void> {
    let entry = this.users.get(userId);
    if (!entry) {
      const sessions = new Set<Session>();
      const deliver = (message: BrokerMessage): void => {
        for (const s of sessions) s.feed?.offer(message);
      };
      const created: UserEntry = {
        sessions,
        unsubscribe: this.broker.subscribe(topics.mailbox(userId), deliver),
      };
      // A failed subscription must not stay cached for the next session of the user.
      created.unsubscribe.catch(() => {
        if (this.users.get(userId) === created) this.users.delete(userId);
      });
      entry = created;
      this.users.set(userId, entry);
    }
    entry.sessions.add(session);
    await entry.unsubscribe;
  }

  detach(session: Session, userId: string): void {
    const entry = this.users.get(userId);
    if (!entry?.sessions.delete(session) || entry.sessions.size > 0) return;
    this.users.delete(userId);
    entry.unsubscribe.then(
      (unsubscribe) => unsubscribe(),
      () => undefined, // never subscribed: nothing to undo
    );
  }

  remove(session: Session): void {
    this.all.delete(session);
    if (session.identity) this.detach(session, session.identity.userId);
  }
}
