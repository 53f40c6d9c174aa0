import type { RawData } from "ws";
import type { Decoded } from "../dialects/dialect.js";
import type { Session } from "../session/session.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Where a frame enters [LIMIT-2]: the binary policy and UTF-8, then the session's dialect
 * decodes it, then the session applies its limits and order. Every refusal becomes an error
 * frame in the session's reply order.
 */
export function createFrameIntake(options: { binaryFrames: boolean }) {
  function decode(
    session: Session,
    data: RawData,
    isBinary: boolean,
  ): Decoded | readonly Decoded[] {
    // ws hands a Buffer (default binaryType); only fragments and ArrayBuffers need work.
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (isBinary && !options.binaryFrames) {
      return {
        ok: false,
        code: "binary_not_supported",
        message: "Binary frames are not accepted; send JSON text frames.",
      };
    }
    let text: string;
    try {
      // ws checks text frames for UTF-8 (closing with 1007); binary ones are checked here.
      text = isBinary ? utf8.decode(bytes) : bytes.toString("utf8");
    } catch {
      return { ok: false, code: "invalid_frame", message: "A binary frame must hold UTF-8 JSON." };
    }
    return session.dialect.decode(text, isBinary, session);
  }

  return (session: Session, data: RawData, isBinary: boolean): void => {
    // Before authentication, a frame past the budget closes the connection unread [LIMIT-7].
    if (!session.noteInput() || !session.admitFrame()) return;
    const decoded = decode(session, data, isBinary);
    if (!isList(decoded)) session.receive(decoded);
    else for (const command of decoded) session.receive(command);
  };
}

function isList(decoded: Decoded | readonly Decoded[]): decoded is readonly Decoded[] {
  return Array.isArray(decoded);
}
