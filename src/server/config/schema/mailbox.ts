import type { SchemaNode } from "./schema-node.js";

/** `mailbox`: durable per-user queues. */
export const mailbox: SchemaNode = {
  type: "object",
  description: "Durable per-user queues.",
  additionalProperties: false,
  default: {},
  properties: {
    store: {
      type: "string",
      enum: ["sqlite", "memory", "redis"],
      default: "sqlite",
      description:
        "Backend that holds mailboxes: `sqlite` is durable (a file in the data directory); `memory` is lost on restart; `redis` is shared by every node on `redis.url` (and required with it).",
    },
    maxMessages: {
      type: "integer",
      minimum: 1,
      default: 10000,
      description:
        "Most mails a mailbox holds. Acknowledged mail is evicted first to make room; then `overflow` decides.",
    },
    overflow: {
      type: "string",
      enum: ["refuse", "dropOldest"],
      default: "refuse",
      description:
        "When a mailbox is full of unacknowledged mail: `refuse` answers the sender `mailbox_full`; `dropOldest` drops the oldest mail (counted in `postoffice_mail_dropped_total`).",
    },
    ttlMs: {
      type: "integer",
      minimum: 1000,
      default: 604800000,
      description:
        "Mail and receipts older than this (7 days by default) are removed, delivered or not, and counted in `postoffice_mail_expired_total`.",
    },
    idempotencyWindowMs: {
      type: "integer",
      minimum: 0,
      default: 86400000,
      description:
        "A send retried with the same frame `id` by the same user within this window (24 h) is stored once and answered with the first receipt.",
    },
    expireIntervalMs: {
      type: "integer",
      minimum: 100,
      default: 60000,
      description: "How often expired mail and idempotency keys are swept.",
    },
    sqlite: {
      type: "object",
      description: "The embedded SQLite store (`mailbox.store: sqlite`).",
      additionalProperties: false,
      default: {},
      properties: {
        file: {
          type: "string",
          minLength: 1,
          default: "mailboxes.db",
          description: "Database file; a relative path is inside `server.dataDir`.",
        },
        synchronous: {
          type: "string",
          enum: ["full", "normal"],
          default: "full",
          description:
            "`full`: every commit is flushed to disk before mail is `accepted` (survives power loss). `normal`: survives a crash of the process, not of the machine; faster.",
        },
        busyTimeoutMs: {
          type: "integer",
          minimum: 0,
          default: 5000,
          description:
            "How long a write waits for a lock held by another connection before the send fails with `store_unavailable`.",
        },
      },
    },
  },
};
