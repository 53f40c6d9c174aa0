import { Type } from "typebox";
import { section } from "./nodes.js";
import { serviceName } from "./patterns.js";

const queueName = (description: string, fallback: string) =>
  Type.String({ minLength: 1, default: fallback, description });

/** `amqp`: the AMQP bridge to RabbitMQ (docs/operations.md, "AMQP bridge"). */
export const amqp = section(
  "The AMQP bridge: mail in from a RabbitMQ queue, the node's activity out to a topic exchange (see docs/operations.md). Off unless `url` is set.",
  {
    url: Type.String({
      default: "",
      secret: true,
      env: ["POSTOFFICE_AMQP_URL", "AMPQURI"],
      description:
        "`amqp://user:password@host:5672/vhost` (or `amqps://`). Empty: no bridge. `AMPQURI` is the AMQP chat seed's variable, read too. Masked wherever configuration is printed; never logged.",
    }),
    service: Type.String({
      pattern: serviceName.pattern,
      default: "amqp",
      description:
        "The sender stamped on mail from the queue (the `from` its recipients see), as an API key's `name` is; `permissions` judge it with `roles`.",
    }),
    roles: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "Roles the bridge's mail is sent with: `permissions.direct`, `permissions.rooms[].send` and `permissions.broadcast` decide with them.",
    }),
    mailQueue: queueName(
      "Durable queue of mail to publish, declared by the bridge; each message `{to|room|broadcast, data, id}` JSON.",
      "postoffice.mail",
    ),
    deadLetterQueue: queueName(
      "Durable queue where malformed or refused mail goes, with its reason in the headers (declared by the bridge).",
      "postoffice.mail.dead",
    ),
    exchange: queueName(
      "Durable topic exchange the node's activity is published to (declared by the bridge); routing keys in docs/operations.md.",
      "postoffice.events",
    ),
    prefetch: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 64,
      description: "Messages of the mail queue taken at once, unacknowledged at most.",
    }),
    maxMessageBytes: Type.Integer({
      minimum: 1024,
      maximum: 16777216,
      default: 65536,
      description: "A larger message is dead-lettered unread (`too_large`).",
    }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 10,
      description:
        "Attempts at mail the node cannot take for now (store away), with backoff, before it is dead-lettered (`retries_exhausted`).",
    }),
    publishBodies: Type.Boolean({
      default: false,
      description:
        "Put the mail's body in `mail.accepted` events; off, only the envelope (ids, sender, recipient, time) goes out.",
    }),
    outboxMaxEvents: Type.Integer({
      minimum: 100,
      maximum: 100000000,
      default: 100000,
      description:
        "Events kept (in `amqp-outbox.db` in the data directory) while RabbitMQ is away; past it the oldest are dropped and counted.",
    }),
  },
);
