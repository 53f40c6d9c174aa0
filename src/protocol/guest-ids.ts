/**
 * Guests (anonymous sessions: chat mode's names, anonymous development mode) have user ids of
 * their own namespace: `~` and the name they asked for (`~john`). No authenticator may issue an
 * id in it, so a guest can never be a signed-in user, nor open a signed-in user's mailbox, on
 * any node, whether that user is online or not [AUTH-7].
 */
export const GUEST_PREFIX = "~";

/** The user id of the guest named `name`. */
export function guestId(name: string): string {
  return `${GUEST_PREFIX}${name}`;
}

export function isGuestId(userId: string): boolean {
  return userId.startsWith(GUEST_PREFIX);
}

/** How a user is named to people: a guest by its name (`john`), anyone else by its user id. */
export function displayName(userId: string): string {
  return isGuestId(userId) ? userId.slice(GUEST_PREFIX.length) : userId;
}
