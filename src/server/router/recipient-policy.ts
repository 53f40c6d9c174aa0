import type { KnownUsers } from "../users/known-users.js";

/** `mailbox.recipients`: which users mail may be sent to. */
export type RecipientsMode = "any" | "list" | "connected" | "webhook";

/** Who answers whether a user exists (users/webhook-recipients.ts for `webhook`). */
export interface RecipientDirectory {
  has(userId: string): boolean | Promise<boolean>;
}

/**
 * Whether mail may be sent to a user: decided at once when it can be. May reject with a
 * RecipientCheckUnavailableError (users/webhook-recipients.ts) when it cannot tell.
 */
export interface RecipientPolicy {
  exists(userId: string): boolean | Promise<boolean>;
}

/**
 * The recipients that exist: `any` user id (every mail makes its mailbox); the ids of
 * `mailbox.recipientList`; or the users who have connected at least once, as `known`
 * remembers them; or whoever the operator's webhook (`directory`) says exists.
 */
export function recipientPolicy(
  mode: RecipientsMode,
  list: readonly string[],
  known: KnownUsers | undefined,
  directory?: RecipientDirectory,
): RecipientPolicy {
  switch (mode) {
    case "any":
      return { exists: () => true };
    case "list": {
      const listed = new Set(list);
      return { exists: (userId) => listed.has(userId) };
    }
    case "connected": {
      if (known === undefined) throw new Error('mailbox.recipients "connected" needs known users');
      return { exists: (userId) => known.has(userId) };
    }
    case "webhook": {
      if (directory === undefined)
        throw new Error('mailbox.recipients "webhook" needs its webhook');
      return { exists: (userId) => directory.has(userId) };
    }
    default: {
      const unknown: never = mode;
      throw new Error(`unknown mailbox.recipients "${String(unknown)}"`);
    }
  }
}
