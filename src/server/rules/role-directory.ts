/**
 * The roles of users other than the one acting, for rules such as `role:admin` that look at
 * the recipient of a mail.
 *
 * It knows only the users who authenticated on this node since it started, plus the static
 * tokens the composition root seeds it with; a JWT user who has not connected here is
 * unknown. A recipient it does not know has no roles: the rule refuses rather than guesses.
 */
export interface RoleDirectory {
  /** The roles `userId` last authenticated with, or `undefined` if the directory never saw them. */
  rolesOf(userId: string): readonly string[] | undefined;
  /** Records the roles a user authenticated with; the latest authentication wins. */
  remember(userId: string, roles: readonly string[]): void;
}

const NO_ROLES: readonly string[] = Object.freeze([]);

/** A `RoleDirectory` in a Map: one entry per distinct user seen, kept for the node's life. */
export class MemoryRoleDirectory implements RoleDirectory {
  readonly #roles = new Map<string, readonly string[]>();

  rolesOf(userId: string): readonly string[] | undefined {
    return this.#roles.get(userId);
  }

  remember(userId: string, roles: readonly string[]): void {
    // A copy: the session may later change its own array without changing what we answer. One
    // empty list for every user without roles (most), not one each.
    this.#roles.set(userId, roles.length === 0 ? NO_ROLES : Object.freeze([...roles]));
  }
}
