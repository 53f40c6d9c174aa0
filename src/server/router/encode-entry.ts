import type {
  DeliveredMessageFrame,
  ReceiptFrame,
  RoomMessage,
  RoomMessageFrame,
} from "../../protocol/index.js";
import type { MailboxEntry } from "../mailbox/message-store.js";

/** The frame a mailbox entry is delivered as; encoded once, sent to every device. */
export function encodeEntry(entry: MailboxEntry): string {
  if (entry.kind === "mail") {
    const frame: DeliveredMessageFrame = {
      type: "message",
      data: {
        id: entry.id,
        seq: entry.seq,
        from: entry.from,
        to: entry.to,
        ts: entry.ts,
        body: entry.body,
      },
    };
    return JSON.stringify(frame);
  }
  const receipt: ReceiptFrame = {
    type: "receipt",
    ...(entry.ref === undefined ? {} : { ref: entry.ref }),
    data: { status: entry.status, id: entry.mailId, to: entry.to, ts: entry.ts, seq: entry.seq },
  };
  return JSON.stringify(receipt);
}

/** A room message as its members get it, live or caught up from the room's log. */
export function encodeRoomMessage(message: RoomMessage): string {
  const frame: RoomMessageFrame = { type: "message", data: message };
  return JSON.stringify(frame);
}
