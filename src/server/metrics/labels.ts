import {
  CLOSE_CODES,
  type ClientFrameType,
  ERROR_CODES,
  type ErrorCode,
} from "../../protocol/index.js";
import type { AuthFailureReason } from "../auth/authenticator.js";
import type { DialectName } from "../dialects/dialect.js";

/**
 * The label values of every labelled metric. Each set is closed and small, so that a client
 * can never make a label set grow, and each value is exposed at 0 from the start: a dashboard
 * shows 0, not "no data". A Record over a union fails to compile when the union grows
 * without its label.
 */

/** What a received frame was: a native type, `invalid` (refused by the decoder), or a dialect's. */
export type FrameInType = ClientFrameType | "invalid" | "ignored" | "reply";

const FRAME_IN_TYPES: Record<FrameInType, true> = {
  auth: true,
  message: true,
  ack: true,
  read: true,
  join: true,
  leave: true,
  who: true,
  broadcast: true,
  event: true,
  ping: true,
  invalid: true,
  /** A frame the dialect chose to say nothing about. */
  ignored: true,
  /** A frame the dialect answered in its own words. */
  reply: true,
};

const DIALECT_NAMES: Record<DialectName, true> = {
  native: true,
  broadcast: true,
  messagetransfer: true,
  godispatch: true,
  amqpchat: true,
  gopostoffice: true,
};

const AUTH_FAILURE_REASONS: Record<AuthFailureReason, true> = {
  token_missing: true,
  token_malformed: true,
  token_unknown: true,
  token_signature_invalid: true,
  token_algorithm_forbidden: true,
  token_expired: true,
  token_not_yet_valid: true,
  token_claim_invalid: true,
  token_user_missing: true,
  token_rejected: true,
  auth_unavailable: true,
  auth_timeout: true,
};

/** Where accepted mail went: `postoffice_messages_routed_total{kind}`. */
export type RouteKind = "direct" | "room" | "broadcast";
const ROUTE_KINDS: Record<RouteKind, true> = { direct: true, room: true, broadcast: true };

/** A `message` frame answered `accepted`: to a user's mailbox or to a room. */
export type AcceptKind = "direct" | "room";
const ACCEPT_KINDS: Record<AcceptKind, true> = { direct: true, room: true };

/** Why a mail was refused before it was stored: `postoffice_mail_refused_total{reason}` [LIMIT-8]. */
export type MailRefusal =
  | "quota_exceeded"
  | "too_many_new_mailboxes"
  | "unknown_recipient"
  | "recipient_check_unavailable";
const MAIL_REFUSALS: Record<MailRefusal, true> = {
  quota_exceeded: true,
  too_many_new_mailboxes: true,
  unknown_recipient: true,
  recipient_check_unavailable: true,
};

export type ReceiptStatus = "delivered" | "read";
const RECEIPT_STATUSES: Record<ReceiptStatus, true> = { delivered: true, read: true };

/** The gateway's own refusals of an upgrade (a dialect's refusals add their reasons as they come). */
const UPGRADE_REFUSALS = [
  "origin_not_allowed",
  "cross_origin",
  "too_many_connections",
  "too_many_connections_from_address",
  "not_ready",
  "not_found",
] as const;

/**
 * Close codes counted by their number: the server's (CLOSE_CODES) and those of the table in
 * docs/protocol.md, with the usual ones of RFC 6455 that clients and `ws` use. Any other code
 * a client chooses is counted by its range (`3xxx`, `4xxx`) or as `other`.
 */
const NAMED_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000,
  1001,
  1002,
  1005,
  1006,
  1007,
  1008,
  1009,
  1011,
  1013,
  ...Object.values(CLOSE_CODES),
]);

export function closeCodeLabel(code: number): string {
  if (NAMED_CLOSE_CODES.has(code)) return String(code);
  if (code >= 3000 && code <= 3999) return "3xxx";
  if (code >= 4000 && code <= 4999) return "4xxx";
  return "other";
}

export const LABELS = {
  frameTypes: Object.keys(FRAME_IN_TYPES) as FrameInType[],
  dialects: Object.keys(DIALECT_NAMES) as DialectName[],
  authFailureReasons: Object.keys(AUTH_FAILURE_REASONS) as AuthFailureReason[],
  routeKinds: Object.keys(ROUTE_KINDS) as RouteKind[],
  acceptKinds: Object.keys(ACCEPT_KINDS) as AcceptKind[],
  receiptStatuses: Object.keys(RECEIPT_STATUSES) as ReceiptStatus[],
  mailRefusals: Object.keys(MAIL_REFUSALS) as MailRefusal[],
  errorCodes: Object.keys(ERROR_CODES) as ErrorCode[],
  upgradeRefusals: [...UPGRADE_REFUSALS] as string[],
  closeCodes: [...[...NAMED_CLOSE_CODES].sort().map(String), "3xxx", "4xxx", "other"],
} as const;
