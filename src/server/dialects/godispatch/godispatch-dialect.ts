import { decodeClientFrame, type ServerFrame } from "../../../protocol/index.js";
import type {
  Admission,
  Decoded,
  Dialect,
  DialectContext,
  HandshakeCredential,
} from "../dialect.js";
import { checkCredential } from "../native/credential-check.js";
import { handshakeToken } from "../native/handshake-token.js";

/**
 * GoDispatch's clients (docs/migrating.md#godispatch): `GET /ws` with a JWT in the cookie
 * `session-token` (its browser chat), `Authorization: Bearer` (its earlier clients) or
 * `?token=`; no token, or a refused one, is answered HTTP 401 before the upgrade, as the seed
 * answers. Then `{"event","target","payload"}` frames, which are the native `event` frame's data,
 * run by the declared events (docs/rules.md); what reaches the client is `{"event","payload"}`.
 * The seed answers nothing else: no receipt, no error (every refusal is logged and counted by
 * the events engine), and its clients never `ack`, so mail counts as delivered once written.
 */
export function createGoDispatchDialect(context: DialectContext): Dialect<never> {
  return {
    name: "godispatch",
    arrivalRooms: [],
    acksOnWrite: true,
    authRefusal: "close",
    subprotocol: () => false,
    credential: (req) => handshakeToken(req, context.tokens),
    admit: (_req, credential) => admit(context, credential),
    decode: (text) => decode(text, context),
    encode,
    release: () => undefined,
  };
}

async function admit(
  context: DialectContext,
  credential: HandshakeCredential | undefined,
): Promise<Admission<never>> {
  // As the seed's auth middleware: `http.Error(w, "Missing token", 401)`.
  if (credential === undefined) return goError(401, "token_missing", "Missing token");
  const admission = await checkCredential(context, credential, {
    readsNative: false,
    since: undefined,
  });
  // The seed refuses a bad token before the upgrade too; the authenticators logged why.
  if (admission.kind === "unauthorized") {
    return goError(401, admission.error.reason, "Unauthorized");
  }
  // As the seed's PermissionCompiler: a `perms` claim naming a permission the configuration
  // does not declare (`permissions:`) is refused with 403 `Forbidden`.
  if (admission.kind === "identified") {
    const unknown = undeclaredPermission(admission.identity.claims.perms, context.permissionNames);
    if (unknown !== undefined) {
      context.log.debug({ permission: unknown }, "token carries an undeclared permission");
      return goError(403, "permission_not_declared", "Forbidden");
    }
  }
  return admission;
}

/** The first name of a `perms` claim that is not declared; undefined when all are (or none). */
function undeclaredPermission(perms: unknown, declared: readonly string[]): string | undefined {
  if (perms === undefined || perms === null) return undefined;
  const names = Array.isArray(perms) ? perms : [perms];
  for (const name of names) {
    if (typeof name !== "string" || !declared.includes(name)) return String(name);
  }
  return undefined;
}

/**
 * A frame is the native event frame's `data`. It is checked to be one JSON object before it
 * is framed, so that no text can close the frame early and speak for another field; the native
 * decoder then applies the limits (nesting, string lengths) and the event's own checks.
 */
function decode(text: string, context: DialectContext): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", message: "Frame is not valid JSON." };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "invalid_frame", message: "Frame must be a JSON object." };
  }
  return decodeClientFrame(`{"type":"event","data":${text}}`, context.limits);
}

/**
 * A native frame as the seed's clients read one: `{"event","payload"}` (the seed's
 * ClientResponse). Event notices are that already; an event's `reply` is one to its sender;
 * mail, room messages and broadcasts from native clients arrive as the event `message` with
 * the native frame's data as payload. The rest the seed never sent, and it is not sent.
 */
function encode(frame: ServerFrame): string | undefined {
  switch (frame.type) {
    case "event":
      return notice(frame.data.event, frame.data.payload);
    case "receipt":
      return frame.data.reply === undefined
        ? undefined
        : notice(frame.data.reply.event, frame.data.reply.payload);
    case "message":
    case "broadcast":
      return notice("message", frame.data);
    case "welcome":
    case "joined":
    case "left":
    case "presence":
    case "error":
    case "pong":
      return undefined;
    default: {
      const unknown: never = frame;
      throw new Error(`no GoDispatch frame for ${JSON.stringify(unknown)}`);
    }
  }
}

/** Refused before the upgrade, as Go's `http.Error` writes it: the text and a newline. */
function goError(status: number, reason: string, text: string): Admission<never> {
  const contentType = "text/plain; charset=utf-8";
  return { kind: "refused", status, reason, body: `${text}\n`, contentType };
}

function notice(event: string, payload: unknown): string {
  return JSON.stringify({ event, payload });
}
