import { randomUUID } from "node:crypto";
import { CLOSE_CODES, decodeClientFrame, type ServerFrame } from "../../../protocol/index.js";
import type { Admission, Dialect, DialectContext } from "../dialect.js";
import { guestIdentity, normaliseName } from "../guest-names.js";
import { checkCredential } from "./credential-check.js";
import {
  anonymousName,
  handshakeSince,
  handshakeToken,
  selectSubprotocol,
} from "./handshake-token.js";

/** Longest name an anonymous client may take (a MessageTransfer `client_id` is often a UUID). */
const MAX_GUEST_NAME_LENGTH = 128;

/**
 * The native protocol (docs/protocol.md): JSON frames both ways. A token in the handshake
 * (subprotocol, `Authorization`, cookie, query) is checked before the upgrade; without one the
 * client sends `auth`, or, in anonymous development mode, is a guest named from the URL, whose
 * user id is `~name` [AUTH-7].
 */
export function createNativeDialect(context: DialectContext): Dialect<never> {
  return {
    name: "native",
    arrivalRooms: [],
    acksOnWrite: false,
    authRefusal: "close",
    subprotocol: selectSubprotocol,
    credential: (req) => handshakeToken(req, context.tokens),
    admit(req, credential) {
      const since = handshakeSince(req);
      if (credential !== undefined) return checkCredential(context, credential, native(since));
      if (!context.anonymous) return { ...native(since), kind: "pending" };
      const asked = anonymousName(req);
      if (asked === undefined) {
        return {
          ...native(since),
          kind: "identified",
          identity: guestIdentity(`anon-${randomUUID().slice(0, 8)}`),
        };
      }
      const checked = normaliseName(asked, MAX_GUEST_NAME_LENGTH);
      if (!checked.ok) return turnedAway(since, checked.message);
      return { ...native(since), kind: "identified", identity: guestIdentity(checked.name) };
    },
    decode: (text) => decodeClientFrame(text, context.limits),
    encode: (frame: ServerFrame) => JSON.stringify(frame),
    release: () => undefined,
  };
}

function native(since: number | undefined | null): { readsNative: true; since: typeof since } {
  return { readsNative: true, since };
}

function turnedAway(since: number | undefined | null, message: string): Admission<never> {
  return {
    ...native(since),
    kind: "turned_away",
    error: { code: "invalid_field", message, field: "username" },
    close: { code: CLOSE_CODES.badRequest, reason: "invalid_username" },
  };
}
