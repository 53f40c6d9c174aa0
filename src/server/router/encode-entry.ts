import type { RoomMessage, RoomMessageFrame } from "../../protocol/index.js";
import { type MailboxEntry, type StoredMail, serializedBody } from "../mailbox/message-store.js";

const MAIL_HEAD = '{"type":"message","data":';

/** The frame a mailbox entry is delivered as; encoded once, sent to every device. */
export function encodeEntry(entry: MailboxEntry): string {
  if (entry.kind === "mail") return encodeMail(entry);
  // Exactly JSON.stringify of the ReceiptFrame { type, ref?, data: { status, id, to, ts, seq } }.
  return `${receiptHead(entry.ref)}{"status":"${entry.status}","id":${JSON.stringify(entry.mailId)},"to":${JSON.stringify(entry.to)},"ts":${entry.ts},"seq":${entry.seq}}}`;
}

/**
 * The sender's `accepted` of direct mail, in its native words: exactly `JSON.stringify` of
 * the ReceiptFrame `{ type, ref?, data: { status, id, to, ts, online? } }`, as a template (no
 * object made, no key walked): one is written for every mail sent.
 */
export function encodeAccepted(
  ref: string | undefined,
  id: string,
  to: string,
  ts: number,
  online: boolean | undefined,
): string {
  const told = online === undefined ? "" : `,"online":${online}`;
  return `${receiptHead(ref)}{"status":"accepted","id":${JSON.stringify(id)},"to":${JSON.stringify(to)},"ts":${ts}${told}}}`;
}

/** A receipt frame up to its `data`, `ref` included where there is one. */
function receiptHead(ref: string | undefined): string {
  return ref === undefined
    ? '{"type":"receipt","data":'
    : `{"type":"receipt","ref":${JSON.stringify(ref)},"data":`;
}

/**
 * A mail's frame: exactly `JSON.stringify` of a DeliveredMessageFrame (keys in its order,
 * strings quoted by JSON.stringify, numbers as JSON writes them), written as a template with
 * the body spliced in as it was serialized when it was sent: the body, the bulk of a mail, is
 * not serialized again, and no object is made for the frame.
 */
function encodeMail(mail: StoredMail): string {
  const { id, seq, from, to, ts } = mail;
  return `${MAIL_HEAD}{"id":${JSON.stringify(id)},"seq":${seq},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"ts":${ts},"body":${serializedBody(mail)}}}`;
}

/**
 * The `ts` of a mail's frame made by `encodeEntry` (undefined for a receipt), read from its
 * text rather than parsed: the first `,"ts":` is the key of `data`, which `encodeMail` writes
 * before the body, and no JSON string holds an unescaped quote.
 */
export function mailTsOf(frame: string): number | undefined {
  if (!frame.startsWith(MAIL_HEAD)) return undefined;
  const at = frame.indexOf(',"ts":', MAIL_HEAD.length);
  if (at < 0) return undefined;
  const ts = Number.parseInt(frame.slice(at + 6, at + 26), 10);
  return Number.isSafeInteger(ts) ? ts : undefined;
}

/** A room message as its members get it, live or caught up from the room's log. */
export function encodeRoomMessage(message: RoomMessage): string {
  const frame: RoomMessageFrame = { type: "message", data: message };
  return JSON.stringify(frame);
}
