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

export const formatReceipt = (receipt: Receipt): string =>
  receipt.status === "read"
    ? `✓ read by ${oneLine(receipt.to)}`
    : `✓ delivered to ${oneLine(receipt.to)}`;

export const formatWho = (room: string, members: string[]): string =>
  `#${room}: ${members.length === 0 ? "nobody" : members.map(oneLine).join(", ")}`;

/** `! forbidden: the message (permissions.broadcast)` */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return `! ${oneLine(String(error))}`;
  const { code, details } = error as Error & { code?: string; details?: { reason?: string } };
  const reason = details?.reason ? ` (${details.reason})` : "";
  return `! ${code ? `${code}: ` : ""}${oneLine(error.message)}${reason}`;
}
