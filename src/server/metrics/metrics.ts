import type { AmqpStats, ErrorCode } from "../../protocol/index.js";
import type { AuthFailureReason } from "../auth/authenticator.js";
import type { DialectName } from "../dialects/dialect.js";
import type { AcceptKind, FrameInType, MailRefusal, ReceiptStatus, RouteKind } from "./labels.js";

export type { AcceptKind, FrameInType, MailRefusal, ReceiptStatus, RouteKind };

/**
 * What happened on the node, told to its metrics. Callers say what happened; how it is counted
 * (prom-client, in prom-metrics.ts, or nothing, in no-metrics.ts) is not their business.
 * Methods on the path of a frame cost a field increment or two.
 */
export interface Metrics {
  /** The metrics of the connections that speak one dialect, labelled once for all of them. */
  connections(dialect: DialectName): ConnectionMetrics;

  /** An upgrade refused with an HTTP status (origin, caps, readiness, path, a dialect's refusal). */
  connectionRefused(reason: string): void;
  /** A connection cut for not answering a ping in time. */
  heartbeatTimedOut(): void;
  authFailed(reason: AuthFailureReason): void;

  /** Mail accepted: into a mailbox (`direct`), or fanned out to a room or to everyone. */
  mailRouted(kind: RouteKind): void;
  /** A retried send answered with its first receipt, stored once. */
  duplicateSend(): void;
  /** Mail refused before it was stored: its sender's quota, or a recipient that does not exist. */
  mailRefused(reason: MailRefusal): void;
  /** Unacknowledged mail dropped from full mailboxes (`dropOldest`). */
  mailDropped(count: number): void;
  /** Mailbox entries removed for their age. */
  mailExpired(count: number): void;
  /** A `delivered` or `read` receipt made for a sender. */
  receiptMade(status: ReceiptStatus): void;
  roomJoined(): void;

  /**
   * The declared events, at start and after each reload: their counts are exposed (at 0) from
   * now on. Event labels are these names and `(unknown)`, never a name a client made up.
   */
  eventsDeclared(names: readonly string[]): void;
  /** A declared event was accepted: every action done. */
  eventAccepted(event: string): void;
  /** An event was refused with this code, whether or not its sender's dialect tells it so. */
  eventRefused(event: string, code: ErrorCode): void;

  /** One group commit of the mailbox store: its writes, whether it was synced, how long it took. */
  mailboxCommit(writes: number, synced: boolean, seconds: number): void;
  redisConnectionError(connection: string): void;
  redisConnectionUp(connection: string, up: boolean): void;
  /** The node's AMQP bridge, read at each scrape (and for the dashboard) from now on. */
  amqpBridge(read: () => AmqpBridgeReading): void;
}

/** What the AMQP bridge says of itself (amqp/amqp-bridge-stats.ts has the same shape). */
export interface AmqpBridgeReading {
  status: "up" | "down" | "closed";
  mailAccepted: number;
  mailRetries: number;
  mailDeadLettered: Readonly<Record<string, number>>;
  eventsPublished: number;
  eventsDropped: number;
  eventsWaiting: number;
}

/** What a connection (a session) reports, with its dialect already in the labels. */
export interface ConnectionMetrics {
  connectionOpened(): void;
  /** `authenticated`: it counted as a session (`sessionStarted`) until now. */
  connectionClosed(code: number, authenticated: boolean): void;
  /** The connection authenticated for the first time. */
  sessionStarted(): void;
  frameIn(type: FrameInType): void;
  frameOut(): void;
  errorSent(code: ErrorCode): void;
  /** Closed with 1013 for letting too much pile up unread. */
  slowReaderCut(): void;
  /**
   * A `message` frame's `accepted` receipt was written; `arrivedAt` is `performance.now()` when
   * the frame reached the session.
   */
  messageAccepted(kind: AcceptKind, arrivedAt: number): void;
  /** Mail written live to a recipient's socket; `acceptedAt` is the mail's `ts` (epoch ms). */
  mailDelivered(acceptedAt: number): void;
}

/** Totals for the dashboard (`/api/stats`), the same numbers `/metrics` shows. */
export interface MetricTotals {
  connections: number;
  sessions: number;
  /** Open connections and sessions by dialect; dialects with no open connection left out. */
  dialects: Record<string, { connections: number; sessions: number }>;
  messagesRouted: Record<RouteKind, number>;
  /** Error frames sent, by code; codes never sent are left out. */
  errors: Record<string, number>;
  /** The AMQP bridge, when there is one. */
  amqp?: AmqpStats;
}

/** What the HTTP routes read from the metrics. */
export interface MetricsReport {
  /** The Prometheus text exposition, and its content type. */
  exposition(): Promise<{ contentType: string; text: string }>;
  totals(): Promise<MetricTotals>;
}

/** `postoffice_build_info`'s labels, given by the composition root. */
export interface BuildLabels {
  version: string;
  /** The git commit built (dist/build-info.json), or `unknown`. */
  commit: string;
  /** The Node.js version. */
  node: string;
}
