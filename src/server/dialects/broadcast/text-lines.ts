import type { JsonObject, ServerFrame } from "../../../protocol/index.js";

/**
 * The Broadcast Server's lines [CHAT-2]: its clients read `john: hello` and
 * `Server: john has joined the chat`. A native frame that has no such line (receipts, pongs,
 * mail, other rooms) is not sent to them.
 */
export function textLine(frame: ServerFrame, chatRoom: string): string | undefined {
  switch (frame.type) {
    case "message":
      return "room" in frame.data && frame.data.room === chatRoom
        ? said(frame.data.from, frame.data.body)
        : undefined;
    case "presence":
      if (!("event" in frame.data) || frame.data.room !== chatRoom) return undefined;
      return `Server: ${frame.data.user} has ${frame.data.event === "join" ? "joined" : "left"} the chat`;
    case "broadcast":
      return said(frame.data.from, frame.data.body);
    case "welcome":
      return `Server: Welcome, ${frame.data.user}`;
    case "error":
      return `Server: ${frame.data.message}`;
    case "joined":
    case "left":
    case "receipt":
    case "event":
    case "pong":
      return undefined;
    default: {
      const unknown: never = frame;
      throw new Error(`no text line for frame ${JSON.stringify(unknown)}`);
    }
  }
}

/** `name: text`, or the body as JSON when it has no text. */
function said(from: string, body: JsonObject): string {
  return `${from}: ${typeof body.text === "string" ? body.text : JSON.stringify(body)}`;
}
