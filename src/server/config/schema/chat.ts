import { Type } from "typebox";
import { section } from "./nodes.js";
import { roomName } from "./patterns.js";

/** `chat`: chat mode, as the Broadcast Server. */
export const chat = section(
  "Chat mode, as the Broadcast Server: one room everyone joins, unique display names, text clients.",
  {
    enabled: Type.Boolean({
      default: false,
      description:
        "Every session joins `chat.room`; anonymous names from `?username=` are made unique (`john`, `john-2`); text that is not a JSON object is said in the room; clients that do not offer the `postoffice.v1` subprotocol get text lines (`john: hi`, `Server: john has joined the chat`).",
    }),
    room: Type.String({
      pattern: roomName.pattern,
      default: "chat",
      description: "The room of chat mode.",
    }),
  },
);
