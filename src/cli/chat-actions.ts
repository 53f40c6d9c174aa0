import type { PostofficeClient } from "../client/index.js";
import { type ChatAction, HELP } from "./chat-commands.js";
import { formatError, formatSent, formatWho } from "./chat-format.js";
import type { SentMail } from "./sent-mail.js";

/** Where an action writes: content to `out`, state changes (`(…)`) and refusals (`! …`) to `err`. */
export interface ChatOutput {
  out(line: string): void;
  err(line: string): void;
}

/** The state one terminal session keeps between lines: the current room, the mail sent. */
export interface ChatState {
  current: string | undefined;
  sent: SentMail;
}

/**
 * Carries out one action (not `quit`, which the session handles). Resolves `true` when it
 * succeeded, `false` when it was refused or malformed, after printing why; never rejects.
 */
export async function runAction(
  action: Exclude<ChatAction, { kind: "quit" }>,
  client: PostofficeClient,
  state: ChatState,
  io: ChatOutput,
): Promise<boolean> {
  try {
    switch (action.kind) {
      case "none":
        return true;
      case "help":
        io.out(HELP);
        return true;
      case "usage":
        io.err(`! ${action.message}`);
        return false;
      case "say": {
        const room = needRoom(state.current, io, "/join ROOM first (or /to USER TEXT)");
        if (room === undefined) return false;
        await client.sendToRoom(room, { text: action.text });
        return true;
      }
      case "mail": {
        const accepted = await client.send(action.to, { text: action.text });
        state.sent.remember(accepted.id, action.to, action.text);
        io.out(formatSent(action.to, action.text));
        return true;
      }
      case "join":
        await client.join(action.room);
        state.current = action.room;
        io.err(`(joined #${action.room})`);
        return true;
      case "leave": {
        const room = needRoom(action.room ?? state.current, io, "usage: /leave ROOM");
        if (room === undefined) return false;
        await client.leave(room);
        if (state.current === room) state.current = undefined;
        io.err(`(left #${room})`);
        return true;
      }
      case "room":
        if (action.room !== undefined) state.current = action.room;
        io.err(state.current ? `(current room: #${state.current})` : "(no current room)");
        return true;
      case "who": {
        const room = needRoom(action.room ?? state.current, io, "usage: /who ROOM");
        if (room === undefined) return false;
        io.out(formatWho(room, await client.who(room)));
        return true;
      }
      case "broadcast":
        await client.broadcast({ text: action.text });
        return true;
    }
  } catch (error) {
    io.err(formatError(error));
    return false;
  }
}

function needRoom(room: string | undefined, io: ChatOutput, hint: string): string | undefined {
  if (room === undefined) io.err(`! no current room: ${hint}`);
  return room;
}
