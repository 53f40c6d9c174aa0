import type {
  BroadcastMessage,
  JsonObject,
  Mail,
  PresenceEvent,
  Receipt,
  RoomMessage,
} from "../client/index.js";

/**
 * One line of text: newlines shown as `↵`, other control characters (a peer's terminal escape
 * sequences included) as `�`, so that nobody can redraw the reader's terminal.
 */
export function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, "↵").replace(/\p{Cc}/gu, "�");
}

/** `body.text` when it is a string, else the body as JSON. */
export function bodyText(body: JsonObject): string {
  return oneLine(typeof body.text === "string" ? body.text : JSON.stringify(body));
}

export const formatMail = (mail: Mail): string =>
  `[${oneLine(mail.from)} → you] ${bodyText(mail.body)}`;

export const formatSent = (to: string, text: string): string => `[you → ${to}] ${oneLine(text)}`;

export const formatRoomMessage = (message: RoomMessage): string =>
  `[#${message.room}] ${oneLine(message.from)}: ${bodyText(message.body)}`;

export const formatPresence = (event: PresenceEvent): string =>
  `* ${oneLine(event.user)} ${event.event === "join" ? "joined" : "left"} #${event.room}`;

export const formatBroadcast = (message: BroadcastMessage): string =>
  `[broadcast] ${oneLine(message.from)}: ${bodyText(message.body)}`;

/**
 * `✓ delivered to bob: "see you at 5"`, naming the mail by its text (cut at 40 characters);
 * a mail this terminal did not send (another device, an earlier run) by its server id.
 */
export function formatReceipt(receipt: Receipt, text: string | undefined): string {
  const what = receipt.status === "read" ? "read by" : "delivered to";
  const mail = text === undefined ? `mail ${receipt.mailId}` : JSON.stringify(clip(oneLine(text)));
  return `✓ ${what} ${oneLine(receipt.to)}: ${mail}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export const formatWho = (room: string, members: string[]): string =>
  `#${room}: ${members.length === 0 ? "nobody" : members.map(oneLine).join(", ")}`;

/**
 * `! forbidden: the message (permissions.broadcast)`: the code, the message and the reason; a
 * close, whose message already quotes the server's reason (`(4401 token_unknown)`), without it.
 */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return `! ${oneLine(String(error))}`;
  const { code, details } = error as Error & { code?: string; details?: { reason?: string } };
  const reason = details?.reason;
  const quoted = code === "closed" && reason !== undefined && error.message.includes(reason);
  const shown = reason === undefined || quoted ? "" : ` (${reason})`;
  return `! ${code ? `${code}: ` : ""}${oneLine(error.message)}${shown}`;
}
