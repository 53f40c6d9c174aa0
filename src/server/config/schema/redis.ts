import type { SchemaNode } from "./schema-node.js";

/** `redis`: the network of post offices. */
export const redis: SchemaNode = {
  type: "object",
  description:
    "Several nodes (processes or machines) sharing one Redis: broker, presence, rooms and mailboxes.",
  additionalProperties: false,
  default: {},
  properties: {
    url: {
      type: "string",
      default: "",
      description:
        "`redis://host:port[/db]`. Empty: one node on its own. Set: live delivery, presence and room logs go through Redis, and `mailbox.store` must be `redis`.",
    },
    keyPrefix: {
      type: "string",
      minLength: 1,
      default: "postoffice:",
      description:
        "Prefix of every Redis key and channel, so several deployments can share one Redis.",
    },
    presenceTtlMs: {
      type: "integer",
      minimum: 3000,
      default: 30000,
      description:
        "A node renews its sessions' presence every third of this; a node that dies stops counting after it.",
    },
  },
};
