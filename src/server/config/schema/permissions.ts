import type { SchemaNode } from "./schema-node.js";

const roleList = (what: string): SchemaNode => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  description: `Roles that may ${what}; \`*\` for any authenticated user.`,
});

/** `permissions`: who may do what, by role. */
export const permissions: SchemaNode = {
  type: "object",
  description: "Who may do what, by role (see docs/rules.md). Refusals name the rule that refused.",
  additionalProperties: false,
  default: {},
  properties: {
    rooms: {
      type: "array",
      default: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
      description:
        "Per room pattern, the first that matches decides; a room no entry matches is refused.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match", "join", "send", "history"],
        description: "Who may join, send to, and read the history of the rooms whose name matches.",
        properties: {
          match: { type: "string", minLength: 1, description: "Glob on the room name." },
          join: roleList("join"),
          send: roleList("send to the room"),
          history: roleList("get the room's history when rejoining with `since`"),
        },
      },
    },
    direct: {
      type: "array",
      default: [{ from: ["*"], to: ["*"] }],
      description:
        "Mail to a user is allowed if any entry lets the sender's roles write to the recipient.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["from", "to"],
        description: "A sender's roles and the recipients they may write to.",
        properties: {
          from: roleList("send"),
          to: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description:
              "Recipients: `*`, `self`, `user:<glob>`, `role:<role>` (recipient's known roles), `claim:<name>` (the id, or ids, in the sender's claim).",
          },
        },
      },
    },
    broadcast: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["admin"],
      description: "Roles that may broadcast to everyone connected; `*` for anyone.",
    },
  },
};
