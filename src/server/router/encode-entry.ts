import type { DeliveredMessageFrame, ReceiptFrame } from "../../protocol/index.js";
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
