/**
 * The roles of users other than the one acting, for rules such as `role:admin` that look at
 * the recipient of a mail.
 *
 * It knows only the users who authenticated on this node since it started, plus the static
 * tokens the composition root seeds it with; a JWT user who has not connected here is
 * unknown. A recipient it does not know has no roles: the rule refuses rather than guesses.
 */
export interface RoleDirectory {
  /**
   * The roles `userId` last authenticated with; `undefined` if the directory never saw them or
   * they had none (both mean no roles to every rule).
   */
  rolesOf(userId: string): readonly string[] | undefined;
  /** Records the roles a user authenticated with; the latest authentication wins. */
  remember(userId: string, roles: readonly string[]): void;
}

/**
 * A `RoleDirectory` in a Map, holding only users who have roles: every connection of a new
 * user (a guest, a benchmark's fresh JWT) would otherwise add an entry kept for the node's life,
 * while the users with roles are the few an operator or a token issuer names.
 */
export class MemoryRoleDirectory implements RoleDirectory {
  readonly #roles = new Map<string, readonly string[]>();

  /** How many users it holds (for tests and the curious). */
  get size(): number {
    return this.#roles.size;
  }

  rolesOf(userId: string): readonly string[] | undefined {
    return this.#roles.get(userId);
  }

  remember(userId: string, roles: readonly string[]): void {
    if (roles.length === 0) {
      this.#roles.delete(userId);
      return;
    }
    // A copy: the session may later change its own array without changing what we answer.
    this.#roles.set(userId, Object.freeze([...roles]));
  }
}
