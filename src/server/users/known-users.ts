/**
 * The users who have connected at least once (authenticated, as a user or a guest), for
 * `mailbox.recipients: connected`. `remember` is called at every authentication and costs
 * nothing for a user already remembered; `has` answers at once when it can.
 */
export interface KnownUsers {
  remember(userId: string): void;
  has(userId: string): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** Known users in memory, for the `memory` store: forgotten on restart, as its mail is. */
export class MemoryKnownUsers implements KnownUsers {
  readonly #users = new Set<string>();

  remember(userId: string): void {
    this.#users.add(userId);
  }

  has(userId: string): boolean {
    return this.#users.has(userId);
  }

  async close(): Promise<void> {}
}

/**
 * What a durable KnownUsers keeps in memory: the users it has written or found, up to a
 * bound, so that the common case (a recipient seen before) costs no read and no write.
 */
export class RecentUsers {
  readonly #users = new Set<string>();

  constructor(private readonly max = 100_000) {}

  has(userId: string): boolean {
    return this.#users.has(userId);
  }

  add(userId: string): void {
    if (this.#users.has(userId)) return;
    this.#users.add(userId);
    if (this.#users.size > this.max) {
      const oldest = this.#users.values().next();
      if (oldest.done !== true) this.#users.delete(oldest.value);
    }
  }
}
