// The light reading of frames (frame-reading.mjs says why): native searches for the few keys
// the generator needs in the frame's bytes, then the digits after them; no string and no
// object is made. A search costs far less than JSON.parse, and a walk over every key in
// JavaScript costs as much (measured): so the scan looks for keys, and relies on what the
// generators themselves write. Every body is `{"n","t","text"}` with a padding of `x` (an
// event's payload too, which its notice carries), and no
// user or room name holds a quote, so the keys it looks for (`"body":{"n":`, `"room":`,
// `"seq":`, `"ref":`, `"status":"`) appear nowhere but as keys. A frame that does not start as
// JSON.stringify writes Postoffice's frames, or whose fields are not plain numbers where they
// should be, is left "unread", to be read in full.
/** @import { FrameKind, FrameReading } from "./frame-reading.mjs" */

/** @param {string} text */
const ascii = (text) => Buffer.from(text, "latin1");
const MESSAGE = ascii('{"type":"message","data":{');
/** A declared event's notice (Postoffice): its payload is a message body. */
const NOTICE = ascii('{"type":"event","data":{');
const RECEIPT = ascii('{"type":"receipt",');
const BODY = ascii('"body":{"n":');
const PAYLOAD = ascii('"payload":{"n":');
const T = ascii(',"t":');
const ROOM = ascii('"room":');
const SEQ = ascii('"seq":');
const REF = ascii('"ref":"');
const STATUS = ascii('"status":"');
const ACCEPTED = ascii('accepted"');
const QUOTE = 34;
/** Where the last integer read by integerAt ends. */
let integerEnd = 0;

/**
 * Whether `prefix` is at `at` in `bytes`.
 * @param {Buffer} bytes
 * @param {Buffer} prefix
 * @param {number} at
 */
export function startsWith(bytes, prefix, at) {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The plain unsigned integer at `at` (at most 15 digits: exact) and where it ends; −1 for a
 * value that is not one (a sign, a fraction, an exponent, no digits).
 * @param {Buffer} bytes
 * @param {number} at
 */
function integerAt(bytes, at) {
  let value = 0;
  let i = at;
  for (let c = bytes[i]; c !== undefined && c >= 48 && c <= 57; c = bytes[++i])
    value = value * 10 + c - 48;
  const next = bytes[i];
  if (i === at || i - at > 15 || next === 46 || next === 101 || next === 69) return -1;
  integerEnd = i;
  return value;
}

/**
 * The integer value of the key `needle` (with its colon) after `from`: undefined when the key
 * is absent, −1 when its value is not a plain integer.
 * @param {Buffer} bytes
 * @param {Buffer} needle
 * @param {number} from
 */
function integerAfter(bytes, needle, from) {
  const at = bytes.indexOf(needle, from);
  return at < 0 ? undefined : integerAt(bytes, at + needle.length);
}

/**
 * Where the JSON number at `at` ends (`at` if there is none): sign, digits, fraction, exponent.
 * @param {Buffer} bytes
 * @param {number} at
 */
function numberEnd(bytes, at) {
  let i = at;
  for (let c = bytes[i]; c !== undefined; c = bytes[++i]) {
    const digit = c >= 48 && c <= 57;
    // - + . e E
    if (!digit && c !== 45 && c !== 43 && c !== 46 && c !== 101 && c !== 69) break;
  }
  return i;
}

/**
 * A message's data object, from `from` (its `{`): Postoffice's and the bare peer's `data`,
 * Socket.IO's event argument.
 * @param {Buffer} bytes
 * @param {number} from
 * @param {FrameReading} r
 * @param {Buffer} [key] where the body starts: `"body":{"n":`, or a notice's `"payload":{"n":`
 * @returns {FrameKind}
 */
export function scanMessage(bytes, from, r, key = BODY) {
  // Searched from the end: the body is the last field of the data object, or near it, in the
  // frames of every server.
  const body = bytes.lastIndexOf(key);
  if (body < from) return "unread";
  const nStart = body + key.length;
  const n = integerAt(bytes, nStart);
  if (n < 0 || !startsWith(bytes, T, integerEnd)) return "unread";
  const tStart = integerEnd + T.length;
  const tEnd = numberEnd(bytes, tStart);
  if (tEnd === tStart) return "unread";
  r.n = n;
  r.bytes = bytes;
  r.tStart = tStart;
  r.tEnd = tEnd;
  // The body holds no `"room":` and no `"seq":`: either key is the data object's own.
  if (bytes.indexOf(ROOM, from) >= 0) return "room";
  const seq = integerAfter(bytes, SEQ, from);
  if (seq === -1) return "unread";
  r.seq = seq;
  return "mail";
}

/**
 * A Postoffice or bare-peer frame: a message, or a receipt (`accepted` with its `ref`, or
 * another status with its `seq`). Anything else is left to the full reading.
 * @param {Buffer} bytes
 * @param {FrameReading} r
 * @returns {FrameKind}
 */
export function scanFrame(bytes, r) {
  if (startsWith(bytes, MESSAGE, 0)) return scanMessage(bytes, MESSAGE.length - 1, r);
  // A room notice of the benchmark's event, whose payload is the body: read as a room message.
  if (startsWith(bytes, NOTICE, 0)) {
    const kind = scanMessage(bytes, NOTICE.length - 1, r, PAYLOAD);
    return kind === "room" ? kind : "unread";
  }
  if (!startsWith(bytes, RECEIPT, 0)) return "unread";
  const status = bytes.indexOf(STATUS, RECEIPT.length);
  if (status < 0) return "unread";
  if (startsWith(bytes, ACCEPTED, status + STATUS.length)) {
    const ref = bytes.indexOf(REF, RECEIPT.length);
    if (ref < 0) {
      // No ref at all (a room message's receipt), or one that is not a string: left in full.
      if (bytes.indexOf(REF.subarray(0, REF.length - 1), RECEIPT.length) >= 0) return "unread";
      r.ref = undefined;
      return "accepted";
    }
    // Only a string of digits (the generator's mail numbers) is read here.
    const value = integerAt(bytes, ref + REF.length);
    if (value < 0 || bytes[integerEnd] !== QUOTE) return "unread";
    r.ref = value;
    return "accepted";
  }
  const seq = integerAfter(bytes, SEQ, RECEIPT.length);
  if (seq === undefined) return "other";
  if (seq < 0) return "unread";
  r.seq = seq;
  return "entry";
}
