import { ANY_CLAIMED_USER } from "../auth/claimed-id.js";
import type { Config } from "../config/config.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { MessageStore } from "../mailbox/message-store.js";
import type { Metrics } from "../metrics/metrics.js";
import { MailAdmission } from "../router/mail-admission.js";
import { recipientPolicy } from "../router/recipient-policy.js";
import { SenderQuota } from "../router/sender-quota.js";
import { MemoryRoleDirectory, type RoleDirectory } from "../rules/role-directory.js";
import type { KnownUsers } from "../users/known-users.js";
import { WebhookRecipients } from "../users/webhook-recipients.js";

/** Who may mail whom, and how much [LIMIT-8]: mailbox.recipients and limits.sender. */
export function mailAdmission(
  config: Config,
  store: MessageStore,
  knownUsers: KnownUsers | undefined,
  metrics: Metrics,
  warnings: LogThrottle,
): MailAdmission {
  const { recipients, recipientList, recipientWebhook } = config.mailbox;
  const webhook =
    recipientWebhook === undefined
      ? undefined
      : new WebhookRecipients({ ...recipientWebhook, warnings });
  return new MailAdmission({
    quota: new SenderQuota(config.limits.sender),
    recipients: recipientPolicy(recipients, recipientList, knownUsers, webhook),
    hasMailbox: async (userId) => (await store.position(userId)).last > 0,
    refused: (reason) => metrics.mailRefused(reason),
  });
}

/** The role directory, telling `knownUsers` too of each user who authenticates. */
export function remembering(
  directory: RoleDirectory,
  knownUsers: KnownUsers | undefined,
): RoleDirectory {
  if (knownUsers === undefined) return directory;
  return {
    rolesOf: (userId) => directory.rolesOf(userId),
    remember(userId, roles) {
      directory.remember(userId, roles);
      knownUsers.remember(userId);
    },
  };
}

/** The role directory, knowing from the start the users of static tokens (`auth.tokens`, each endpoint's). */
export function seededRoleDirectory(config: Config): MemoryRoleDirectory {
  const directory = new MemoryRoleDirectory();
  const tokens = [config.auth, ...config.endpoints.map((endpoint) => endpoint.auth)].flatMap(
    (auth) => auth?.tokens ?? [],
  );
  for (const { user, roles } of tokens) {
    if (user !== ANY_CLAIMED_USER) directory.remember(user, roles);
  }
  return directory;
}
