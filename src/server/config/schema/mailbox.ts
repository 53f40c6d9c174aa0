import { Type } from "typebox";
import { oneOf, optionalSection, section } from "./nodes.js";
import { httpUrl } from "./patterns.js";

/** `mailbox`: durable per-user queues. */
export const mailbox = section("Durable per-user queues.", {
  store: oneOf(["sqlite", "memory", "redis"], {
    default: "sqlite",
    env: ["POSTOFFICE_MAILBOX_STORE"],
    description:
      "Backend that holds mailboxes: `sqlite` is durable (a file in the data directory); `memory` is lost on restart; `redis` is shared by every node on `redis.url` (and required with it).",
  }),
  maxMessages: Type.Integer({
    minimum: 1,
    default: 10000,
    env: ["POSTOFFICE_MAILBOX_MAX_MESSAGES"],
    description:
      "Most mails a mailbox holds. Acknowledged mail is evicted first to make room; then `overflow` decides.",
  }),
  overflow: oneOf(["refuse", "dropOldest"], {
    default: "refuse",
    env: ["POSTOFFICE_MAILBOX_OVERFLOW"],
    description:
      "When a mailbox is full of unacknowledged mail: `refuse` answers the sender `mailbox_full`; `dropOldest` drops the oldest mail (counted in `postoffice_mail_dropped_total`).",
  }),
  ttlMs: Type.Integer({
    minimum: 1000,
    default: 604800000,
    env: ["POSTOFFICE_MAILBOX_TTL_MS"],
    description:
      "Mail and receipts older than this (7 days) are removed, delivered or not, and counted in `postoffice_mail_expired_total`.",
  }),
  recipients: oneOf(["any", "list", "connected", "webhook"], {
    default: "any",
    env: ["POSTOFFICE_MAILBOX_RECIPIENTS"],
    description:
      "Which users mail may be sent to: `any` user id; those of `recipientList` (`list`); users who have connected at least once (`connected`), as this node's store remembers them; those `recipientWebhook` says exist (`webhook`). Others are refused with `unknown_recipient`.",
  }),
  recipientList: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    env: ["POSTOFFICE_MAILBOX_RECIPIENT_LIST"],
    description:
      "The user ids mail may be sent to when `recipients` is `list` (a user may always mail itself).",
  }),
  recipientWebhook: optionalSection(
    "Ask an HTTP endpoint whether a recipient exists (`recipients: webhook`).",
    {
      url: Type.String({
        pattern: httpUrl.pattern,
        secret: true,
        env: ["POSTOFFICE_MAILBOX_RECIPIENT_WEBHOOK_URL"],
        description:
          'Endpoint that receives `{"user": "<id>"}` and answers 200 with `{"exists": true|false}`; it may carry a secret, so it is masked.',
      }),
      timeoutMs: Type.Integer({
        minimum: 1,
        default: 2000,
        description:
          "One deadline for the whole call (waiting for a free slot, connecting, the headers and the body); past it the send gets `recipient_check_unavailable`.",
      }),
      cacheMs: Type.Integer({
        minimum: 0,
        default: 60000,
        description:
          "How long an answer, yes or no, is reused for the same user (100,000 users at most). `0` = never.",
      }),
    },
  ),
  idempotencyWindowMs: Type.Integer({
    minimum: 0,
    default: 86400000,
    description:
      "A send retried with the same frame `id` by the same user within this window (24 h) is stored once and answered with the first receipt.",
  }),
  expireIntervalMs: Type.Integer({
    minimum: 100,
    default: 60000,
    description: "How often expired mail and idempotency keys are swept.",
  }),
  sqlite: section("The embedded SQLite store (`mailbox.store: sqlite`).", {
    file: Type.String({
      minLength: 1,
      default: "mailboxes.db",
      description: "Database file; a relative path is inside `server.dataDir`.",
    }),
    synchronous: oneOf(["full", "normal"], {
      default: "full",
      env: ["POSTOFFICE_SQLITE_SYNCHRONOUS"],
      description:
        "`full`: every commit is flushed to disk before mail is `accepted` (survives power loss). `normal`: survives a crash of the process, not of the machine; faster.",
    }),
    busyTimeoutMs: Type.Integer({
      minimum: 0,
      default: 5000,
      description:
        "How long a write waits for a lock held by another connection before the send fails with `store_unavailable`.",
    }),
  }),
});
