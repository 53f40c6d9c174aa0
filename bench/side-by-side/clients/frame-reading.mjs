// What a load generator reads from each frame a server sends it, read in one of two ways
// (`--parse`):
//
//   light  frame-scan.mjs walks the frame's bytes for the few fields the generator needs (a
//          message's `n` and `t`, a mail's `seq`, a receipt's `ref` or `seq`), as a load tool
//          reads a timestamp; the timestamp is read only when a latency is recorded. A frame
//          the walk does not recognize ("unread") is read in full: nothing is ever miscounted.
//   full   every frame goes through JSON.parse (here), as an application's client would.
//
// Both fill the same FrameReading, and test/bench/frame-reading.test.ts checks that they read
// the same from sample frames and from frames captured live from all three servers. The same
// readers serve Postoffice, the bare ws peer (same frame shapes) and Socket.IO (its event
// packets carry the same data object), so the generators do the same work per frame for each.

/**
 * What a frame is to the generator: "room" and "mail" (a message, with `n`, `t` and, for mail,
 * `seq`), "accepted" (a receipt for a send, `ref`), "entry" (another receipt, with its `seq`),
 * "welcome", "joined" and "error" (`code`, `refText`), "other" (nothing to do), or "unread"
 * (light only: not recognized by the scan, to be read in full).
 * @typedef {"room" | "mail" | "accepted" | "entry" | "welcome" | "joined" | "error" | "other" | "unread"} FrameKind
 */

/** The kinds a full reading gives: all but "unread". */
/** @typedef {Exclude<FrameKind, "unread">} ReadKind */

/** How frames are read: the light scan or JSON.parse (`--parse`). */
/** @typedef {"light" | "full"} ParseMode */

/**
 * One frame's fields. A reading is reused from frame to frame: it is valid only while the
 * frame's callback runs.
 */
export class FrameReading {
  /** The message's number (body `n`). */
  n = 0;
  /** @type {number | undefined} A mail's or a receipt's mailbox sequence (`data.seq`). */
  seq = undefined;
  /** @type {number | undefined} An `accepted` receipt's `ref`, as a number (the generator's mail number). */
  ref = undefined;
  /** An error frame's code. */
  code = "";
  /** @type {string | undefined} An error frame's `ref` as sent (`j` for a join). */
  refText = undefined;
  /** @type {Buffer | undefined} Light: the frame, to read `t` from when asked. */
  bytes = undefined;
  tStart = 0;
  tEnd = 0;
  /** Full: the body's `t`. */
  tValue = Number.NaN;

  /** The body's `t`: when the message was sent (ms, `performance.timeOrigin + now()`). */
  time() {
    if (this.bytes === undefined) return this.tValue;
    // Number() of the digits rounds exactly as JSON.parse does.
    return Number(this.bytes.toString("latin1", this.tStart, this.tEnd));
  }
}

/**
 * Full: a message's data object, parsed.
 * @param {unknown} data
 * @param {FrameReading} r
 * @returns {ReadKind}
 */
export function readMessage(data, r) {
  if (data === null || typeof data !== "object") return "other";
  const fields =
    /** @type {{ room?: unknown, seq?: unknown, body?: { n?: unknown, t?: unknown } }} */ (data);
  r.n = Number(fields.body?.n);
  r.bytes = undefined;
  r.tValue = Number(fields.body?.t);
  if (fields.room !== undefined) return "room";
  r.seq = typeof fields.seq === "number" ? fields.seq : undefined;
  return "mail";
}

/**
 * Full: a Postoffice or bare-peer frame, parsed.
 * @param {unknown} frame
 * @param {FrameReading} r
 * @returns {ReadKind}
 */
export function readFrame(frame, r) {
  if (frame === null || typeof frame !== "object") return "other";
  const f = /** @type {{ type?: unknown, ref?: unknown, data?: Record<string, unknown> }} */ (
    frame
  );
  switch (f.type) {
    case "message":
      return readMessage(f.data, r);
    case "event": {
      // A declared event's notice: its payload is the body; through a room, a room message.
      if (f.data?.room === undefined) return "other";
      const kind = readMessage({ room: f.data.room, body: f.data.payload }, r);
      return kind;
    }
    case "receipt":
      if (f.data?.status === "accepted") {
        r.ref = f.ref === undefined ? undefined : Number(f.ref);
        return "accepted";
      }
      if (typeof f.data?.seq !== "number") return "other";
      r.seq = f.data.seq;
      return "entry";
    case "welcome":
      return "welcome";
    case "joined":
      return "joined";
    case "error":
      r.code = typeof f.data?.code === "string" ? f.data.code : "error";
      r.refText = typeof f.ref === "string" ? f.ref : undefined;
      return "error";
    default:
      return "other";
  }
}
