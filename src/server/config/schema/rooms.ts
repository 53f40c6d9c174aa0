import type { SchemaNode } from "./schema-node.js";

/** `rooms`: limits, presence notices and history. */
export const rooms: SchemaNode = {
  type: "object",
  description: "Rooms: limits, presence notices and history.",
  additionalProperties: false,
  default: {},
  properties: {
    maxPerConnection: {
      type: "integer",
      minimum: 1,
      default: 100,
      description: "Rooms one connection may be in; one more is refused with `room_limit`.",
    },
    maxMembers: {
      type: "integer",
      minimum: 1,
      default: 10000,
      description:
        "Connections one room may hold on this node; one more is refused with `room_full`.",
    },
    settings: {
      type: "array",
      default: [{ match: "*", presence: true, history: 0 }],
      description:
        "Per room pattern, the first that matches: whether members are told of joins and leaves, and how many messages are kept for members who rejoin with `since`.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match"],
        description: "Settings for the rooms whose name matches.",
        properties: {
          match: {
            type: "string",
            minLength: 1,
            description: "Glob on the room name (`*` matches any run of characters).",
          },
          presence: {
            type: "boolean",
            default: true,
            description: "Send `presence` join/leave events to members.",
          },
          history: {
            type: "integer",
            minimum: 0,
            maximum: 100000,
            default: 0,
            description:
              "Messages kept (in memory) for members who rejoin with `since`; 0 keeps none.",
          },
        },
      },
    },
  },
};
