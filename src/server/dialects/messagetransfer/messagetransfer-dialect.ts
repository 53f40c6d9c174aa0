import type { DecodeResult, ServerFrame } from "../../../protocol/index.js";
import type { Admission, Decoded, Dialect, DialectClient, DialectContext } from "../dialect.js";
import { goField } from "./go-json.js";
import { error, errorReply, mail, pong, SEED_REPLIES } from "./seed-replies.js";

/**
 * MessageTransfer's clients (docs/migrating.md#messagetransfer): `GET /ws?client_id=ID`, then
 * `{"type","data"}` JSON frames: `auth` with a token (the identity must be the `client_id`:
 * Admission.claimedId), `message` to a user, `ping`; answers in the seed's words and bytes.
 * The seed reads its frames as Go's `json.Unmarshal` does (keys in any case, `null` for
 * nothing); so does this dialect. It never read anything but mail, so its clients never `ack`:
 * mail counts as delivered once written to them.
 */
export function createMessageTransferDialect(context: DialectContext): Dialect<never> {
  const maxLength = context.limits.maxStringLength;
  return {
    name: "messagetransfer",
    arrivalRooms: [],
    acksOnWrite: true,
    authRefusal: "keep",
    subprotocol: () => false,
    // Its clients authenticate in band only; the handshake carries the id they claim.
    credential: () => undefined,
    admit(req): Admission<never> {
      // The seed's `r.URL.Query().Get("client_id")`: the first value; an empty one is none.
      const url = URL.parse(req.url ?? "/", "http://localhost");
      const clientId = url?.searchParams.get("client_id") ?? "";
      if (clientId === "") {
        // As Go's http.Error writes it.
        const body = "client_id is required\n";
        return refused("client_id_required", body);
      }
      if (clientId.length > maxLength) {
        return refused("client_id_too_long", `client_id is longer than ${maxLength} characters\n`);
      }
      return { kind: "pending", readsNative: false, claimedId: clientId };
    },
    decode: (text) => decode(text, maxLength),
    encode,
    release: () => undefined,
  };
}

function refused(reason: string, body: string): Admission<never> {
  return { kind: "refused", status: 400, reason, body, contentType: "text/plain; charset=utf-8" };
}

/**
 * One frame, as the seed's read loop takes it: `ping` and `auth` from anyone, anything else
 * only once authenticated (`unauthorized` otherwise). Answers that depend on that are given in
 * the frame's turn, after an `auth` sent just before it was decided (DialectReply).
 */
function decode(text: string, maxLength: number): Decoded {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { reply: SEED_REPLIES.badPayload };
  }
  // `null` is an empty command to Go; any other value that is not an object, no command.
  if (frame === null) return unknownType();
  if (!isObject(frame)) return { reply: SEED_REPLIES.badPayload };
  const type = goString(goField(frame, "type"));
  if (type === undefined) return { reply: SEED_REPLIES.badPayload };
  // Absent is not `null`: Go's RawMessage stays empty, and reading it fails.
  const data = goField(frame, "data");
  switch (type) {
    case "ping":
      return { reply: pong(Date.now()) };
    case "auth":
      return decodeAuth(data);
    case "message":
      return decodeMessage(data, maxLength);
    default:
      return unknownType();
  }
}

function decodeAuth(data: unknown): Decoded {
  if (data === undefined || (data !== null && !isObject(data))) {
    return { reply: SEED_REPLIES.authInvalid };
  }
  const token = data === null ? "" : goString(goField(data, "token"));
  if (token === undefined) return { reply: SEED_REPLIES.authInvalid };
  // No token is a refused one, in the seed's words; the authenticators never see it.
  if (token === "") return { reply: SEED_REPLIES.authFailed };
  return { ok: true, frame: { type: "auth", data: { token } } };
}

function decodeMessage(data: unknown, maxLength: number): Decoded {
  if (data === undefined || (data !== null && !isObject(data)))
    return onceIn(SEED_REPLIES.badPayload);
  const to = data === null ? "" : goString(goField(data, "to"));
  const text = data === null ? "" : goString(goField(data, "text"));
  // The seed dropped mail to nobody without a word; it is told here.
  if (to === undefined || text === undefined || to === "") return onceIn(SEED_REPLIES.badPayload);
  if (to.length > maxLength || text.length > maxLength) return onceIn(error("string_too_long"));
  return { ok: true, frame: { type: "message", data: { to, text } } } satisfies DecodeResult;
}

/** A type the seed has no handler for: ignored once authenticated (told here), refused before. */
function unknownType(): Decoded {
  return onceIn(error("unknown_type"));
}

/** The seed checks authentication before it reads the data: so does this answer. */
function onceIn(reply: string): Decoded {
  return {
    reply: (client: DialectClient) =>
      client.identity === undefined ? SEED_REPLIES.unauthorized : reply,
  };
}

/** A native frame in the seed's words; those it has none for (receipts, rooms) are not sent. */
function encode(frame: ServerFrame): string | undefined {
  switch (frame.type) {
    case "welcome":
      return SEED_REPLIES.authSuccess;
    case "message":
      // Mail; the seed's clients are in no room.
      return "to" in frame.data ? mail(frame.data.from, textOf(frame.data.body)) : undefined;
    case "broadcast":
      return mail(frame.data.from, textOf(frame.data.body));
    case "error":
      return errorReply(frame.data);
    case "pong":
      return pong(frame.data.ts);
    case "receipt":
    case "joined":
    case "left":
    case "presence":
    // Declared events' notices: the seed's clients send no events, so none is addressed to them.
    case "event":
      return undefined;
    default: {
      const unknown: never = frame;
      throw new Error(`no MessageTransfer frame for ${JSON.stringify(unknown)}`);
    }
  }
}

/** The text of mail from any client: a native client's body without `text` is given as JSON. */
function textOf(body: Record<string, unknown>): string {
  return typeof body.text === "string" ? body.text : JSON.stringify(body);
}

/** A Go string field: `null` and absent are "", anything but a string is unreadable. */
function goString(value: unknown): string | undefined {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
