import type {
  DeliveredMessageFrame,
  ReceiptFrame,
  RoomMessage,
  RoomMessageFrame,
} from "../../protocol/index.js";
import { type MailboxEntry, type StoredMail, serializedBody } from "../mailbox/message-store.js";

/** The frame a mailbox entry is delivered as; encoded once, sent to every device. */
export function encodeEntry(entry: MailboxEntry): string {
  if (entry.kind === "mail") return encodeMail(entry);
  const receipt: ReceiptFrame = {
    type: "receipt",
    ...(entry.ref === undefined ? {} : { ref: entry.ref }),
    data: { status: entry.status, id: entry.mailId, to: entry.to, ts: entry.ts, seq: entry.seq },
  };
  return JSON.stringify(receipt);
}

/**
 * A mail's frame, `JSON.stringify` of a DeliveredMessageFrame with the body spliced in as it
 * was serialized when it was sent: the body, the bulk of a mail, is not serialized again.
 */
function encodeMail(mail: StoredMail): string {
  const data: Omit<DeliveredMessageFrame["data"], "body"> = {
    id: mail.id,
    seq: mail.seq,
    from: mail.from,
    to: mail.to,
    ts: mail.ts,
  };
  const head = JSON.stringify(data);
  return `{"type":"message","data":${head.slice(0, -1)},"body":${serializedBody(mail)}}}`;
}

const MAIL_HEAD = '{"type":"message","data":';

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
