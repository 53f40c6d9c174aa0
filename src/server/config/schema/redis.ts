import { Type } from "typebox";
import { section } from "./nodes.js";

/** `redis`: the network of post offices. */
export const redis = section(
  "Several nodes (processes or machines) sharing one Redis: broker, presence, rooms and mailboxes.",
  {
    url: Type.String({
      default: "",
      env: ["POSTOFFICE_REDIS_URL"],
      description:
        "`redis://host:port[/db]`. Empty: one node on its own. Set: live delivery, presence and room logs go through Redis, and `mailbox.store` must be `redis`. A password in the URL is masked wherever configuration is printed.",
    }),
    keyPrefix: Type.String({
      minLength: 1,
      default: "postoffice:",
      description:
        "Prefix of every Redis key and channel, so several deployments can share one Redis.",
    }),
    presenceTtlMs: Type.Integer({
      minimum: 3000,
      default: 30000,
      description:
        "A node renews its sessions' presence every third of this; a node that dies stops counting after it.",
    }),
  },
);
