import { randomUUID } from "node:crypto";
import { decodeClientFrame, type ServerFrame } from "../../../protocol/index.js";
import type { Dialect, DialectContext } from "../dialect.js";
import { checkCredential } from "./credential-check.js";
import {
  anonymousName,
  handshakeSince,
  handshakeToken,
  selectSubprotocol,
} from "./handshake-token.js";

/**
 * The native protocol (docs/protocol.md): JSON frames both ways. A token in the handshake
 * (subprotocol, `Authorization`, cookie, query) is checked before the upgrade; without one the
 * client sends `auth`, or, in anonymous development mode, is named from the URL.
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
      if (context.anonymous) {
        const userId = anonymousName(req) ?? `anon-${randomUUID().slice(0, 8)}`;
        const identity = { userId, roles: [], claims: {}, anonymous: true };
        return { ...native(since), kind: "identified", identity };
      }
      return { ...native(since), kind: "pending" };
    },
    decode: (text) => decodeClientFrame(text, context.limits),
    encode: (frame: ServerFrame) => JSON.stringify(frame),
    release: () => undefined,
  };
}

function native(since: number | undefined | null): { readsNative: true; since: typeof since } {
  return { readsNative: true, since };
}
