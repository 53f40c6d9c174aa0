import { ROOM_NAME } from "../../../protocol/index.js";
import type { SchemaNode } from "./schema-node.js";

/** `chat`: chat mode, as the Broadcast Server. */
export const chat: SchemaNode = {
  type: "object",
  description:
    "Chat mode, as the Broadcast Server: one room everyone joins, unique display names, text clients.",
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: "boolean",
      default: false,
      description:
        "Every session joins `chat.room`; anonymous names from `?username=` are made unique (`john`, `john-2`); text that is not a JSON object is said in the room; clients that do not offer the `postoffice.v1` subprotocol get text lines (`john: hi`, `Server: john has joined the chat`).",
    },
    room: {
      type: "string",
      pattern: ROOM_NAME.source,
      default: "chat",
      description: "The room of chat mode.",
    },
  },
};
