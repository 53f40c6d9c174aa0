import {
  CLOSE_CODES,
  type DecodeResult,
  decodeClientFrame,
  stringTooLong,
} from "../../../protocol/index.js";
import type { Admission, Dialect, DialectContext } from "../dialect.js";
import { guestIdentity } from "../guest-names.js";
import { checkCredential } from "../native/credential-check.js";
import {
  anonymousName,
  handshakeSince,
  handshakeToken,
  offersNativeProtocol,
  selectSubprotocol,
} from "../native/handshake-token.js";
import { ChatNames, checkName } from "./chat-names.js";
import { textLine } from "./text-lines.js";

/**
 * The Broadcast Server's chat (`chat.enabled`, the `chat` preset): one room everyone is in,
 * unique display names [CHAT-1], raw text in and text lines out [CHAT-2]. Guests are named
 * `~name` (guest-names.ts), and their lines show `name`. Native frames work
 * too: a client that offers `postoffice.v1` (the terminal client, the web page) reads native
 * frames, and JSON objects are decoded as native commands from anyone. The dialect's state is
 * the display name it reserved for the connection, freed when it closes.
 */
export function createBroadcastDialect(context: DialectContext): Dialect<string> {
  const room = context.broadcast.room;
  const names = new ChatNames();
  return {
    name: "broadcast",
    arrivalRooms: [room],
    acksOnWrite: false,
    authRefusal: "close",
    subprotocol: selectSubprotocol,
    credential: (req) => handshakeToken(req, context.tokens),
    admit(req, credential): Admission<string> | Promise<Admission<string>> {
      const admitted = { readsNative: offersNativeProtocol(req), since: handshakeSince(req) };
      if (credential !== undefined) return checkCredential(context, credential, admitted);
      if (!context.anonymous) return { ...admitted, kind: "pending" };
      const checked = checkName(anonymousName(req) ?? "guest");
      if (!checked.ok) {
        return {
          ...admitted,
          kind: "turned_away",
          error: { code: "invalid_field", message: checked.message, field: "username" },
          close: { code: CLOSE_CODES.badRequest, reason: "invalid_username" },
        };
      }
      const name = names.claim(checked.name);
      const claims = name === checked.name ? {} : { requestedName: checked.name };
      // A guest's user id is `~name`: never a signed-in user's, whose mail it cannot read [AUTH-7].
      const identity = guestIdentity(name, claims);
      return { ...admitted, kind: "identified", identity, state: name };
    },
    decode(text, binary): DecodeResult {
      const decoded = decodeClientFrame(text, context.limits);
      if (decoded.ok || binary || !isNotAnObject(decoded.code)) return decoded;
      // Raw text is said in the chat room, and checked as that frame would be. A line's own
      // ending, as line-oriented clients send it, is not part of what was said.
      const said = text.replace(LINE_END, "");
      if (said.length > context.limits.maxStringLength) {
        return stringTooLong("data.text", context.limits.maxStringLength);
      }
      return { ok: true, frame: { type: "message", data: { room, text: said } } };
    },
    encode: (frame) => textLine(frame, room),
    release(name) {
      if (name !== undefined) names.release(name);
    },
  };
}

const LINE_END = /\r?\n$/;

function isNotAnObject(code: string): boolean {
  return code === "invalid_json" || code === "invalid_frame";
}
