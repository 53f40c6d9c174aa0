import type { DecodeResult } from "../../../protocol/index.js";
import type { Identity } from "../../auth/identity.js";
import { LogThrottle } from "../../log/log-throttle.js";
import type { Admission, Decoded, Dialect, DialectClient, DialectContext } from "../dialect.js";
import { checkCredential } from "../native/credential-check.js";
import { handshakeToken } from "../native/handshake-token.js";
import { createSeedMailEncoder, MAIL_FORMAT } from "./seed-mail.js";
import { supersedeByStartTime } from "./start-time.js";

/** The most ids one mail may name in `to`: each is a mail, counted by the rate limits. */
export const MAX_RECIPIENTS = 100;

/**
 * GO-POSTOFFICE's clients (docs/migrating.md#go-postoffice): `ws://HOST:PORT/<any path>?clientID=ID`
 * (its catch-all endpoint), then mail as JSON `{"from","to","subject","content","type",…}`,
 * delivered byte for byte to each id of `to` (a string or an array), kept in their mailboxes
 * while they are away. `from` must be the sender's own id. The seed said nothing else to its
 * clients, and neither does this dialect unless its settings ask (receipts, errors); its
 * clients never `ack`, so mail counts as delivered once written. One connection per clientID
 * (`oneConnectionPerClient`, as the seed): its admission says how it supersedes (start-time.ts).
 */
export function createGoPostofficeDialect(context: DialectContext): Dialect<never> {
  const options = context.gopostoffice;
  const maxLength = context.limits.maxStringLength;
  const refusals = new LogThrottle(context.log);
  if (options.trustClientId) {
    context.log.warn(
      {},
      "gopostoffice.trustClientId: a client is whoever its clientID says, with no token, as GO-POSTOFFICE did; fine on a closed network only",
    );
  }
  return {
    name: "gopostoffice",
    arrivalRooms: [],
    acksOnWrite: true,
    authRefusal: "close",
    subprotocol: () => false,
    credential: (req) => handshakeToken(req, context.tokens),
    async admit(req, credential): Promise<Admission<never>> {
      // The seed's `r.URL.Query().Get("clientID")`: the first value; an empty one is none.
      const url = URL.parse(req.url ?? "/", "http://localhost");
      const clientId = url?.searchParams.get("clientID") ?? "";
      if (clientId === "") return goError(400, "client_id_required", "Client ID is required");
      if (clientId.length > maxLength) {
        return goError(
          400,
          "client_id_too_long",
          `Client ID is longer than ${maxLength} characters`,
        );
      }
      const admitted = { readsNative: false, claimedId: clientId };
      // Read now, not after the token check: the rank is the handshake's time.
      const supersede = options.oneConnectionPerClient
        ? supersedeByStartTime(clientId, url?.searchParams.get("startTime") ?? null, Date.now())
        : undefined;
      const one = supersede === undefined ? {} : { supersede };
      if (options.trustClientId) {
        return { ...admitted, ...one, kind: "identified", identity: claimedIdentity(clientId) };
      }
      // The seed's refusal, had its token check been written: `http.Error(w, "Unauthorized", 401)`.
      if (credential === undefined) return goError(401, "token_missing", "Unauthorized");
      const admission = await checkCredential(context, credential, {
        ...admitted,
        since: undefined,
      });
      if (admission.kind === "unauthorized") {
        return goError(401, admission.error.reason, "Unauthorized");
      }
      return admission.kind === "identified" ? { ...admission, ...one } : admission;
    },
    decode(text, _binary, client) {
      const decoded = decodeMail(text, client, maxLength);
      if ("ok" in decoded && !decoded.ok && decoded.code === "forged_sender") {
        refusals.warn(
          "gopostoffice:forged_sender",
          { user: client.identity?.userId },
          "mail refused: its from is not the sender's clientID",
        );
      }
      return decoded;
    },
    encode: createSeedMailEncoder(options),
    release: () => undefined,
  };
}

function claimedIdentity(userId: string): Identity {
  return { userId, roles: [], claims: {}, anonymous: false };
}

/** Refused before the upgrade, as Go's `http.Error` writes it: the text and a newline. */
function goError(status: number, reason: string, text: string): Admission<never> {
  const contentType = "text/plain; charset=utf-8";
  return { kind: "refused", status, reason, body: `${text}\n`, contentType };
}

/**
 * One mail: a native `message` to each id of `to`, whose body keeps the frame's exact text
 * (`{text, format}`, seed-mail.ts), so that each recipient gets the bytes that were sent.
 */
function decodeMail(
  text: string,
  client: DialectClient,
  maxLength: number,
): DecodeResult | readonly Decoded[] {
  let mail: unknown;
  try {
    mail = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", message: "Frame is not valid JSON." };
  }
  if (typeof mail !== "object" || mail === null || Array.isArray(mail)) {
    return { ok: false, code: "invalid_frame", message: "A mail is a JSON object." };
  }
  const { from, to } = mail as Record<string, unknown>;
  const sender = client.identity?.userId;
  if (typeof from !== "string" || from !== sender) {
    return {
      ok: false,
      code: "forged_sender",
      field: "from",
      message: "`from` must be your own clientID; the server stamps the sender from it.",
    };
  }
  const recipients = typeof to === "string" ? [to] : to;
  if (
    !Array.isArray(recipients) ||
    recipients.length === 0 ||
    recipients.length > MAX_RECIPIENTS ||
    !recipients.every((id) => typeof id === "string" && id !== "" && id.length <= maxLength)
  ) {
    return {
      ok: false,
      code: "invalid_field",
      field: "to",
      message: `\`to\` must be an id or a list of 1 to ${MAX_RECIPIENTS} ids.`,
    };
  }
  const body = { text, format: MAIL_FORMAT };
  return (recipients as string[]).map(
    (recipient): DecodeResult => ({
      ok: true,
      frame: { type: "message", data: { to: recipient, ...body } },
    }),
  );
}
