import { ROOM_NAME } from "../client/index.js";

/** What one line typed (or piped) into `postoffice connect` asks for. */
export type ChatAction =
  | { kind: "none" }
  | { kind: "say"; text: string }
  | { kind: "mail"; to: string; text: string }
  | { kind: "join"; room: string }
  | { kind: "leave"; room: string | undefined }
  | { kind: "room"; room: string | undefined }
  | { kind: "who"; room: string | undefined }
  | { kind: "broadcast"; text: string }
  | { kind: "quit" }
  | { kind: "help" }
  | { kind: "usage"; message: string };

export const HELP = [
  "/to USER TEXT     mail USER (kept in their mailbox while they are away)",
  "/join ROOM        join ROOM; it becomes the current room",
  "/leave [ROOM]     leave ROOM (default: the current room)",
  "/room [ROOM]      switch the current room (or show it)",
  "/who [ROOM]       who is in ROOM (default: the current room)",
  "/broadcast TEXT   to everyone connected (admins only by default)",
  "/quit             close and exit (also Ctrl-C, Ctrl-D)",
  "TEXT              say TEXT in the current room (//TEXT for text that starts with /)",
].join("\n");

/** The protocol's rule for room names, in words (decode-client-frame.ts says it the same way). */
export const ROOM_NAME_RULE = "1–64 letters, digits or . _ : -, starting with a letter or digit";

/** A refusal that states the rule, when `name` (all the rest of the line) is no room name. */
function roomCheck(name: string): ChatAction | undefined {
  if (ROOM_NAME.test(name)) return undefined;
  return {
    kind: "usage",
    message: `${JSON.stringify(name)} is not a room name: a room name is ${ROOM_NAME_RULE}`,
  };
}

/** Parses one input line into an action; pure, so that it is easy to test. */
export function parseLine(line: string): ChatAction {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "none" };
  if (trimmed.startsWith("//")) return { kind: "say", text: trimmed.slice(1) };
  if (!trimmed.startsWith("/")) return { kind: "say", text: trimmed };
  const match = /^\/(\S+)\s*(.*)$/s.exec(trimmed);
  const command = (match?.[1] ?? "").toLowerCase();
  const rest = match?.[2] ?? "";
  const [first] = rest.split(/\s+/).filter((word) => word !== "");
  const text = rest.slice(first?.length ?? 0).trim();
  switch (command) {
    case "to":
    case "msg":
      return first && text
        ? { kind: "mail", to: first, text }
        : { kind: "usage", message: "usage: /to USER TEXT" };
    case "join":
      if (!first) return { kind: "usage", message: "usage: /join ROOM" };
      return roomCheck(rest) ?? { kind: "join", room: first };
    case "leave":
    case "room":
    case "who":
      return (first === undefined ? undefined : roomCheck(rest)) ?? { kind: command, room: first };
    case "broadcast":
      return rest
        ? { kind: "broadcast", text: rest }
        : { kind: "usage", message: "usage: /broadcast TEXT" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    case "help":
    case "?":
      return { kind: "help" };
    default:
      return { kind: "usage", message: `unknown command /${command}: /help lists the commands` };
  }
}
