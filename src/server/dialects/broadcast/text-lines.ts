import { displayName, type JsonObject, type ServerFrame } from "../../../protocol/index.js";

/**
 * The Broadcast Server's lines [CHAT-2]: its clients read `john: hello` and
 * `Server: john has joined the chat`, a guest by its name without its `~`. A native frame that
 * has no such line (receipts, pongs, mail, other rooms) is not sent to them. Nothing a client
 * sent can break a line, so nobody can write a line that seems to come from the server [CHAT-3].
 */
export function textLine(frame: ServerFrame, chatRoom: string): string | undefined {
  switch (frame.type) {
    case "message":
      return "room" in frame.data && frame.data.room === chatRoom
        ? said(frame.data.from, frame.data.body)
        : undefined;
    case "presence":
      if (!("event" in frame.data) || frame.data.room !== chatRoom) return undefined;
      return `Server: ${name(frame.data.user)} has ${frame.data.event === "join" ? "joined" : "left"} the chat`;
    case "broadcast":
      return said(frame.data.from, frame.data.body);
    case "welcome":
      return `Server: Welcome, ${name(frame.data.user)}`;
    case "error":
      return `Server: ${oneLine(frame.data.message)}`;
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
  return `${name(from)}: ${oneLine(typeof body.text === "string" ? body.text : JSON.stringify(body))}`;
}

function name(userId: string): string {
  return oneLine(displayName(userId));
}

/**
 * One line: each line break (CR, LF, CRLF, NEL, VT, FF, U+2028, U+2029) shown as `↵`, any
 * other control character (a terminal's escape sequences included) as `�`.
 */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\n\v\f\r\x85\u2028\u2029]/g, "↵").replace(/\p{Cc}/gu, "\uFFFD");
}
