import {
  CLOSE_CODES,
  GUEST_PREFIX,
  isGuestId,
  type JsonObject,
  type ServerFrame,
} from "../../../protocol/index.js";
import type {
  Admission,
  ChatQueue,
  Decoded,
  Dialect,
  DialectContext,
  WaitingMail,
} from "../dialect.js";
import { goField } from "../messagetransfer/go-json.js";
import { checkHeader } from "./header-check.js";
import { queueMessage } from "./queue-message.js";
import { errorReply, SEED_REFUSALS, SEED_REPLIES } from "./seed-replies.js";

/** What the dialect keeps of a connection: the id it connected as. */
export interface AmqpChatState {
  id: string;
}

/**
 * The AMQP chat seed's clients (docs/migrating.md#amqp-chat): `GET /ws?id=USER` with the
 * header `Authorization` equal to `AUTHHEADER` (HTTP 403 otherwise), then
 * `{"target_id","message","sender_id"}` JSON frames in, plain text out: the recipient gets the
 * raw message, the sender `Delivered.✔️✔️` (the recipient was connected, on any node) or
 * `Delivered.✔️` (it waits in the mailbox). The sender is the connection's `id`, never
 * `sender_id`. Its clients never `ack`: mail counts as delivered once written to them.
 */
export function createAmqpChatDialect(context: DialectContext): Dialect<AmqpChatState> {
  const maxLength = context.limits.maxStringLength;
  const queue = context.amqpchat.chatQueue;
  if (context.amqpchat.authHeader !== undefined) {
    context.log.warn(
      {},
      "amqpchat: the Authorization header AUTHHEADER is configured: whoever sends it may connect as any ?id=, as with the seed. Fine for a migration or a closed network; unset it and give each client a JWT whose sub is its id otherwise",
    );
  }
  return {
    name: "amqpchat",
    arrivalRooms: [],
    acksOnWrite: true,
    authRefusal: "keep",
    tellsOnline: true,
    ...(queue === undefined ? {} : { mailWaiting: copyTo(queue, context) }),
    subprotocol: () => false,
    // The header is the seed's shared secret, not a token of the native kinds: `admit` reads it.
    credential: () => undefined,
    async admit(req): Promise<Admission<AmqpChatState>> {
      // Go's `Header.Get` and `Query().Get`: the first value; an empty one is none.
      const header = req.headers.authorization ?? "";
      const id = URL.parse(req.url ?? "/", "http://localhost")?.searchParams.get("id") ?? "";
      const checked = await checkHeader(context, header, id.length > maxLength ? "" : id);
      if (!checked.ok) {
        switch (checked.reason) {
          case "authorization_missing":
            return refused(403, checked.reason, SEED_REFUSALS.headerMissing);
          case "authorization_invalid":
            return refused(403, checked.reason, SEED_REFUSALS.headerWrong);
          case "auth_unavailable":
            return refused(503, checked.reason, "Service Unavailable: retry shortly\n");
        }
      }
      if (id.length > maxLength) {
        return refused(400, "id_too_long", `id is longer than ${maxLength} characters\n`);
      }
      // The guests' namespace: no credential may name a user in it [AUTH-7].
      if (isGuestId(id)) {
        return refused(400, "id_reserved", `id may not start with ${GUEST_PREFIX}\n`);
      }
      if (id === "") {
        // The seed upgrades, says why not, and closes.
        return {
          kind: "turned_away",
          readsNative: false,
          error: { code: "invalid_field", message: SEED_REPLIES.idRequired, field: "id" },
          close: { code: CLOSE_CODES.badRequest, reason: "id_required" },
        };
      }
      return {
        kind: "identified",
        identity: checked.identity,
        readsNative: false,
        claimedId: id,
        state: { id },
      };
    },
    decode: (text, _binary, client) => decode(text, client.dialectState?.id, maxLength),
    encode,
    release: () => undefined,
  };
}

/**
 * Waiting mail copied to the seed's queue. The copy is a courtesy to the queue's consumers: the
 * mailbox holds the mail either way, so a queue that fails costs the sender nothing; it is
 * logged once a minute at most, since any client's mail can cause it.
 */
function copyTo(queue: ChatQueue, context: DialectContext): (mail: WaitingMail) => void {
  let loggedAt = Number.NEGATIVE_INFINITY;
  return ({ from, to, body }) => {
    try {
      queue.publish(queueMessage(from, to, textOf(body)));
    } catch (error) {
      if (Date.now() - loggedAt < 60_000) return;
      loggedAt = Date.now();
      context.log.warn({ err: error }, "amqpchat: waiting mail not copied to the queue chat");
    }
  };
}

function refused(status: number, reason: string, body: string): Admission<AmqpChatState> {
  return { kind: "refused", status, reason, body, contentType: "text/plain; charset=utf-8" };
}

/**
 * One frame, read as the seed's `json.Unmarshal` into its `MessageData` reads it: keys in any
 * case, `null` for an empty field, a field of another type unreadable. Mail to nobody is
 * unreadable too (the seed queued it for no one).
 */
function decode(text: string, self: string | undefined, maxLength: number): Decoded {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { reply: SEED_REPLIES.badPayload };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return { reply: SEED_REPLIES.badPayload };
  }
  const fields = frame as Record<string, unknown>;
  const to = goString(goField(fields, "target_id"));
  const message = goString(goField(fields, "message"));
  // Read only to be as strict as the seed's decoder: the sender is the connection's id.
  const claimedSender = goString(goField(fields, "sender_id"));
  if (to === undefined || message === undefined || claimedSender === undefined || to === "") {
    return { reply: SEED_REPLIES.badPayload };
  }
  if (to === self) return { reply: SEED_REPLIES.toSelf };
  if (to.length > maxLength || message.length > maxLength) {
    return { ok: false, code: "string_too_long", message: "A field is too long." };
  }
  return { ok: true, frame: { type: "message", data: { to, text: message } } };
}

/** A native frame in the seed's words; those it has none for (rooms, pongs) are not sent. */
function encode(frame: ServerFrame): string | undefined {
  switch (frame.type) {
    case "welcome":
      return SEED_REPLIES.connected;
    case "message":
      // Mail; the seed's clients are in no room.
      return "to" in frame.data ? textOf(frame.data.body) : undefined;
    case "broadcast":
      return textOf(frame.data.body);
    case "receipt":
      // The seed's one answer to mail; `delivered` and `read` come later and it has no words.
      if (frame.data.status !== "accepted" || frame.data.to === undefined) return undefined;
      return frame.data.online === true
        ? SEED_REPLIES.deliveredOnline
        : SEED_REPLIES.deliveredWaiting;
    case "error":
      return errorReply(frame.data);
    case "pong":
    case "joined":
    case "left":
    case "presence":
    case "event":
      return undefined;
    default: {
      const unknown: never = frame;
      throw new Error(`no AMQP chat frame for ${JSON.stringify(unknown)}`);
    }
  }
}

/** The text of mail from any client: a native client's body without `text` is given as JSON. */
function textOf(body: JsonObject): string {
  return typeof body.text === "string" ? body.text : JSON.stringify(body);
}

/** A Go string field: `null` and absent are "", anything but a string is unreadable. */
function goString(value: unknown): string | undefined {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : undefined;
}
