import type { Broker, BrokerMessage } from "./broker.js";

interface Entry<Member> {
  members: Set<Member>;
  subscribed: Promise<() => void>;
}

/**
 * The local members of broker topics (a user's sessions, a room's sessions): one broker
 * subscription per topic while it has a member here, shared by them, dropped after the last.
 * A subscription that failed is not kept, so the next member tries again.
 */
export class TopicMembers<Member> {
  private readonly entries = new Map<string, Entry<Member>>();

  constructor(
    private readonly broker: Broker,
    /** The topic of a key (`topics.mailbox`, `topics.room`). */
    private readonly topicOf: (key: string) => string,
    /** Delivers a message of the key's topic to its members. */
    private readonly deliver: (
      members: ReadonlySet<Member>,
      key: string,
      message: BrokerMessage,
    ) => void,
  ) {}

  /** Resolves once the member gets the topic's messages. */
  async add(key: string, member: Member): Promise<void> {
    let entry = this.entries.get(key);
    if (!entry) {
      const members = new Set<Member>();
      const created: Entry<Member> = {
        members,
        subscribed: this.broker.subscribe(this.topicOf(key), (message) =>
          this.deliver(members, key, message),
        ),
      };
      created.subscribed.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      entry = created;
      this.entries.set(key, entry);
    }
    entry.members.add(member);
    await entry.subscribed;
  }

  remove(key: string, member: Member): void {
    const entry = this.entries.get(key);
    if (!entry?.members.delete(member) || entry.members.size > 0) return;
    this.entries.delete(key);
    entry.subscribed.then(
      (unsubscribe) => unsubscribe(),
      () => undefined, // never subscribed: nothing to undo
    );
  }

  count(key: string): number {
    return this.entries.get(key)?.members.size ?? 0;
  }
}
