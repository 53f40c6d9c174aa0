import type { IncomingMessage } from "node:http";
import type {
  DecodeOptions,
  DecodeResult,
  ErrorCode,
  JsonObject,
  ServerFrame,
} from "../../protocol/index.js";
import type { AuthError, Authenticator } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { Logger } from "../log/logger.js";
import type { FrameEncoder } from "../wire/prepared-frame.js";

/** What a dialect reads from an upgrade request; an `IncomingMessage` has both. */
export type HandshakeRequest = Pick<IncomingMessage, "headers" | "url">;

export type CredentialSource = "query" | "header" | "cookie" | "subprotocol";

/** A credential found in the handshake, and where it was found. */
export interface HandshakeCredential {
  token: string;
  source: CredentialSource;
  /**
   * The client's address, added by the gateway for authenticators that ration by address: a
   * getter that reads it from the socket when asked, so a dialect passes it on without reading it.
   */
  address?: string;
}

/** What every admission but a refusal also says about the connection. */
interface Admitted<State> {
  /** The dialect's own record of this connection (a display name to free), given back to it. */
  state?: State;
  /**
   * The client reads native frames (it offered `postoffice.v1`), not the dialect's words: its
   * frames are written without `encode`, on the native path.
   */
  readsNative: boolean;
  /** `?since=`, where a handshake-authenticated session resumes its mailbox; null: malformed. */
  since?: number | null;
  /**
   * The user id the client claims in its handshake (MessageTransfer's `?client_id=`), for a
   * dialect whose entry in registry.ts `claimsIds`. Every credential the session presents is
   * checked against it (Credentials.claimedUserId): the identity must be this user, and a
   * static token for `*` grants exactly it.
   */
  claimedId?: string;
}

/** Refused before the upgrade, in the dialect's own words (HTTP 400 `client_id is required`). */
export interface Refusal {
  status: number;
  reason: string;
  body: string;
  contentType: string;
}

/**
 * One connection per key: the newcomer replaces the connection of its dialect that holds the
 * key on this node (closed with 4410 once the newcomer is upgraded), unless that one ranks
 * higher, when the newcomer is refused before the upgrade with `refusal` (GO-POSTOFFICE's
 * `clientID` and `startTime`: HTTP 409). Enforced by the gateway (upgrade-handler.ts) with the
 * session registry; other nodes close a lower-ranked holder of the key too (user-sessions.ts).
 */
export interface Supersede {
  key: string;
  /** Higher is newer. A bigint: the seed's ranks are any int64. */
  rank: bigint;
  /** On a rank equal to the holder's, the newcomer wins (it named no rank: it is "now"). */
  winsTies: boolean;
  refusal: Refusal;
}

/** Who a new connection is, decided from its handshake by its endpoint's dialect. */
export type Admission<State = unknown> =
  /** Known now (a checked token, a name given in the URL): greeted at once. */
  | (Admitted<State> & { kind: "identified"; identity: Identity; supersede?: Supersede })
  /** Not yet: the client authenticates in band (an `auth` command) within `auth.timeoutMs`. */
  | (Admitted<State> & { kind: "pending" })
  /** The handshake's credential was refused: told over the WebSocket, then closed [AUTH-1]. */
  | (Admitted<State> & { kind: "unauthorized"; error: AuthError })
  /** Let in only to be told why not: an error frame, then a close (a name it cannot have). */
  | (Admitted<State> & {
      kind: "turned_away";
      error: { code: ErrorCode; message: string; field?: string };
      close: { code: number; reason: string };
    })
  /** Refused before the upgrade, in the dialect's own words. */
  | ({ kind: "refused" } & Refusal);

/**
 * The dialect's own answer to a frame, sent as it is, in the order of the replies. A function is
 * called when the frame's turn comes, after the frames before it were handled: an answer that
 * depends on the client's identity sees the outcome of an `auth` sent just before (the seeds
 * read one frame at a time). Undefined: nothing to say.
 */
export interface DialectReply {
  reply: string | ((client: DialectClient) => string | undefined);
}

/**
 * What `decode` makes of a frame: a native command (or a refusal, answered with the native
 * error frame, which `encode` words for the client), a reply of the dialect's own, or nothing.
 */
export type Decoded = DecodeResult | DialectReply | undefined;

/** A connection as its dialect sees it while decoding. */
export interface DialectClient<State = unknown> {
  /** Undefined until the connection has authenticated. */
  readonly identity: Identity | undefined;
  readonly dialectState: State | undefined;
}

/**
 * A wire dialect: the only code that knows how a kind of client talks. Each endpoint speaks
 * one, chosen at the upgrade; the core behind it knows only native commands and native server
 * frames (src/protocol). A dialect is one folder of dialects/ and one entry of registry.ts.
 *
 * Cost rules, because a dialect sits on the hot path: `encode` depends on the frame alone, so
 * a frame fanned out to many members is encoded once per dialect (wire/prepared-frame.ts), and
 * clients that read native frames (`readsNative`) skip it. Per-connection data lives in the
 * admission's `state` (one field of the session), never in closures.
 */
export interface Dialect<State = unknown> extends FrameEncoder {
  readonly name: DialectName;
  /** Rooms a session joins as soon as it has an identity, without a `join` or a permission check. */
  readonly arrivalRooms: readonly string[];
  /**
   * Its clients never `ack`: a mailbox entry counts as acknowledged once it is written to the
   * socket (or `encode` chose to send nothing for it), so that it is not replayed on the next
   * connection and its sender gets `delivered`.
   */
  readonly acksOnWrite: boolean;
  /**
   * What a refused in-band `auth` does: `close` the connection (the native way: an error, then
   * 4401), or `keep` it open for another try, the error told in the dialect's words
   * (MessageTransfer answers `{"data":"failed","type":"auth"}`). The auth timeout still runs.
   */
  readonly authRefusal: "close" | "keep";
  /**
   * Its clients are told whether their mail reached a connected recipient or waits (AMQP chat's
   * `Delivered.✔️✔️` and `Delivered.✔️`): the `accepted` receipt of their direct mail then
   * carries `online` (ReceiptFrame). Absent: the receipt does not say it.
   */
  readonly tellsOnline?: true;
  /**
   * Direct mail one of its clients sent was stored while no session of the recipient was
   * connected, on any node: it waits in the mailbox. AMQP chat copies it to its queue.
   */
  mailWaiting?(mail: WaitingMail): void;
  /** The subprotocol to select among those the client offered (ws `handleProtocols`), or none. */
  subprotocol(offered: Set<string>): string | false;
  /**
   * The credential the handshake offers, if any. Separate from `admit` and synchronous, because
   * the gateway checks the origin of a cookie login before it admits anyone [AUTH-4].
   */
  credential(req: HandshakeRequest): HandshakeCredential | undefined;
  /** Who the client is, once the gateway's own checks have passed (path, readiness, origin, caps). */
  admit(
    req: HandshakeRequest,
    credential: HandshakeCredential | undefined,
  ): Admission<State> | Promise<Admission<State>>;
  /**
   * One inbound frame, as text (a binary frame has been read as UTF-8 and says so). A list: the
   * commands it stands for, handled in order as if sent one after another, each counted by
   * the limits (GO-POSTOFFICE's mail to several ids is a mail to each).
   */
  decode(text: string, binary: boolean, client: DialectClient<State>): Decoded | readonly Decoded[];
  /** A native server frame in this dialect's words, or undefined to send the client nothing. */
  encode(frame: ServerFrame): string | undefined;
  /** The connection is gone, or never opened: free what `admit` took. */
  release(state: State | undefined): void;
}

/** Mail stored for a recipient with no session anywhere, as `Dialect.mailWaiting` is told it. */
export interface WaitingMail {
  from: string;
  to: string;
  body: JsonObject;
}

/**
 * Where AMQP chat's waiting mail goes besides the mailbox: the seed published it to its durable
 * queue `chat`. The composition root gives one when the AMQP bridge is configured.
 */
export interface ChatQueue {
  /** The message's body, as the seed wrote it (text/plain); fire and forget, as the seed. */
  publish(body: string): void;
}

/**
 * The dialects a node can speak; registry.ts makes each from its name. The configuration's list
 * (config/schema/dialect-names.ts) is the same: the composition root checks it.
 */
export type DialectName =
  | "native"
  | "broadcast"
  | "messagetransfer"
  | "godispatch"
  | "amqpchat"
  | "gopostoffice";

/**
 * What the composition root gives every dialect it makes (registry.ts), one per endpoint. A
 * dialect with settings of its own (a seed's secret from its `.env`) gets them in a field named
 * after it, mapped by compose/gateway.ts from its configuration section.
 */
export interface DialectContext {
  /** The endpoint's authenticators (`endpoints[].auth`, or `auth`). */
  authenticator: Authenticator;
  log: Logger;
  /** Anonymous development mode (`auth.anonymous.enabled`): no credential needed. */
  anonymous: boolean;
  /** Where a handshake token is looked for besides the header and subprotocol (`auth.*`). */
  tokens: { queryParam: string; cookieName: string };
  /** The decoder's limits (`limits.maxNestingDepth`, `limits.maxStringLength`). */
  limits: DecodeOptions;
  /** The broadcast dialect's room (`chat.room`). */
  broadcast: { room: string };
  /** AMQP chat's settings (`amqpchat`), and its queue when the AMQP bridge is configured. */
  amqpchat: { authHeader: string | undefined; chatQueue: ChatQueue | undefined };
  /** The gopostoffice dialect's settings (`gopostoffice`). */
  gopostoffice: GoPostofficeOptions;
  /**
   * The permission names a token's `perms` claim may carry (`permissions.names`, GoDispatch's
   * `permissions:` list): the godispatch dialect refuses a token with any other, as the seed.
   */
  permissionNames: readonly string[];
}

/** What the node's `gopostoffice:` section says (docs/configuration.md#gopostoffice). */
export interface GoPostofficeOptions {
  /** As the seed: a client is whoever its `?clientID=` says, and its token is not looked at. */
  trustClientId: boolean;
  /** Tell the sender of each mail its receipts (`{"receipt":…}`): the seed told it nothing. */
  receipts: boolean;
  /** Tell a client why a frame was refused (`{"error":…}`): the seed said nothing. */
  errors: boolean;
  /**
   * As the seed: one connection per clientID, the newer `startTime` replacing the older, an
   * older or equal one refused with HTTP 409. Off: every connection of a clientID gets its mail.
   */
  oneConnectionPerClient: boolean;
}
