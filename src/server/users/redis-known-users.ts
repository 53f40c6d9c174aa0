import { StoreError } from "../mailbox/message-store.js";
import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import { type KnownUsers, RecentUsers } from "./known-users.js";

/**
 * Known users in one Redis set, shared by every node of a network: a user who connected to
 * any node may be mailed from every node. Each node remembers in memory, up to a bound, the
 * users it has written or found, so the common case costs no round trip. A write that fails
 * (Redis down) is tried again at the user's next authentication.
 */
export class RedisKnownUsers implements KnownUsers {
  readonly #connection: RedisConnection;
  readonly #key: string;
  readonly #recent = new RecentUsers();

  constructor(options: { connect: RedisConnector; keyPrefix: string }) {
    this.#connection = options.connect({ name: "known-users" });
    this.#key = `${options.keyPrefix}known-users`;
  }

  /** Resolves once the connection is up (at once if it is). */
  whenReady(): Promise<void> {
    return this.#connection.whenUp();
  }

  remember(userId: string): void {
    if (this.#recent.has(userId)) return;
    this.#connection.redis.sadd(this.#key, userId).then(
      () => this.#recent.add(userId),
      () => undefined,
    );
  }

  has(userId: string): boolean | Promise<boolean> {
    if (this.#recent.has(userId)) return true;
    return this.#connection.redis.sismember(this.#key, userId).then(
      (member) => {
        if (member === 1) this.#recent.add(userId);
        return member === 1;
      },
      (error: unknown) => {
        // As a store read that failed: the send is refused with store_unavailable, not accepted.
        throw new StoreError("known users cannot be read", { cause: error });
      },
    );
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
