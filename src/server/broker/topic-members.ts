import type { Broker, BrokerMessage } from "./broker.js";

interface Entry<Member> {
  /**
   * One member held as it is (most users have one connection here), more in a set; undefined
   * once the last left (deliveries until the unsubscribe takes effect reach no one).
   */
  members: Member | Set<Member> | undefined;
  /** What members who join meanwhile await; once subscribed, one settled promise for all. */
  ready: Promise<void>;
  /** Ends the subscription; undefined until the broker has confirmed it. */
  unsubscribe: (() => void) | undefined;
}

const SUBSCRIBED: Promise<void> = Promise.resolve();

/**
 * The local members of broker topics (a user's sessions, a room's sessions): one broker
 * subscription per topic while it has a member here, shared by them, dropped after the last.
 * A subscription that failed is not kept, so the next member tries again.
 *
 * A topic with one member holds no set: an idle connection's user would cost one (about 170
 * bytes) for nothing. Its deliveries lend it a set kept for the purpose.
 */
export class TopicMembers<Member> {
  private readonly entries = new Map<string, Entry<Member>>();
  /** Lent to `deliver` for a topic of one member; empty between deliveries. */
  private readonly lent = new Set<Member>();

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
      const created: Entry<Member> = { members: member, ready: SUBSCRIBED, unsubscribe: undefined };
      const subscribing = this.broker.subscribe(this.topicOf(key), (message) =>
        this.deliverTo(created, key, message),
      );
      created.ready = subscribing.then(
        (unsubscribe) => {
          // The last member left before the broker confirmed: nothing to keep.
          if (created.members === undefined) {
            unsubscribe();
            return;
          }
          created.unsubscribe = unsubscribe;
          created.ready = SUBSCRIBED;
        },
        (error: unknown) => {
          // Not kept, so that the next member tries again.
          if (this.entries.get(key) === created) this.entries.delete(key);
          throw error;
        },
      );
      entry = created;
      this.entries.set(key, entry);
    } else if (entry.members instanceof Set) {
      entry.members.add(member);
    } else if (entry.members === undefined) {
      entry.members = member;
    } else if (entry.members !== member) {
      entry.members = new Set([entry.members, member]);
    }
    await entry.ready;
  }

  remove(key: string, member: Member): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    const { members } = entry;
    if (members instanceof Set) {
      if (!members.delete(member) || members.size > 0) return;
    } else if (members !== member) {
      return;
    }
    entry.members = undefined;
    this.entries.delete(key);
    // Not confirmed yet: undone when it is (above); never subscribed: nothing to undo.
    entry.unsubscribe?.();
  }

  count(key: string): number {
    const members = this.entries.get(key)?.members;
    if (members === undefined) return 0;
    return members instanceof Set ? members.size : 1;
  }

  private deliverTo(entry: Entry<Member>, key: string, message: BrokerMessage): void {
    const { members } = entry;
    if (members === undefined) return;
    if (members instanceof Set) {
      this.deliver(members, key, message);
      return;
    }
    // A delivery that causes another one, at once, gets a set of its own.
    const one = this.lent.size === 0 ? this.lent : new Set<Member>();
    one.add(members);
    try {
      this.deliver(one, key, message);
    } finally {
      one.clear();
    }
  }
}
