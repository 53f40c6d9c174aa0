import type { JsonObject, ServerFrame } from "../../../protocol/index.js";

/** The body of mail from a GO-POSTOFFICE client: `{text: <the frame as sent>, format}`. */
export const MAIL_FORMAT = "gopostoffice";

/**
 * Native frames in the seed's words. Mail from one of its clients is the text that client
 * sent, byte for byte; other mail (from a native client, a room, a broadcast) is written as a
 * seed mail: `{"from","to","subject","content","type":"msg","createTime"}`. Receipts and errors
 * only when the settings ask; nothing else was ever sent by the seed.
 */
export function createSeedMailEncoder(options: { receipts: boolean; errors: boolean }) {
  return (frame: ServerFrame): string | undefined => {
    switch (frame.type) {
      case "message": {
        const { data } = frame;
        const to = "to" in data ? data.to : data.room;
        return verbatim(data.body, data.from) ?? seedMail(data.from, to, data.body, data.ts);
      }
      case "broadcast":
        return seedMail(frame.data.from, "*", frame.data.body, frame.data.ts);
      case "receipt": {
        if (!options.receipts) return undefined;
        const { status, id, to, ts } = frame.data;
        return JSON.stringify({ receipt: status, id, to, ts });
      }
      case "error":
        return options.errors
          ? JSON.stringify({ error: frame.data.code, message: frame.data.message })
          : undefined;
      case "welcome":
      case "joined":
      case "left":
      case "presence":
      case "event":
      case "pong":
        return undefined;
      default: {
        const unknown: never = frame;
        throw new Error(`no GO-POSTOFFICE frame for ${JSON.stringify(unknown)}`);
      }
    }
  };
}

/**
 * The text a GO-POSTOFFICE client sent, if this body holds one whose `from` is the mail's
 * stamped sender: a native client could write such a body, and must not speak for another.
 */
function verbatim(body: JsonObject, sender: string): string | undefined {
  if (body.format !== MAIL_FORMAT || typeof body.text !== "string") return undefined;
  try {
    const sent = JSON.parse(body.text) as { from?: unknown } | null;
    return sent?.from === sender ? body.text : undefined;
  } catch {
    return undefined;
  }
}

function seedMail(from: string, to: string, body: JsonObject, ts: number): string {
  const content = typeof body.text === "string" ? body.text : body;
  const subject = typeof body.subject === "string" ? body.subject : "";
  return JSON.stringify({
    from,
    to,
    subject,
    content,
    type: "msg",
    createTime: Math.floor(ts / 1000),
  });
}
