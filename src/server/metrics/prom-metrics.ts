import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ErrorCode } from "../../protocol/index.js";
import type { AuthFailureReason } from "../auth/authenticator.js";
import type { DialectName } from "../dialects/dialect.js";
import { BucketHistogram, type Buckets } from "./bucket-histogram.js";
import { LABELS, type MailRefusal, type ReceiptStatus, type RouteKind } from "./labels.js";
import type {
  AmqpBridgeReading,
  BuildLabels,
  ConnectionMetrics,
  Metrics,
  MetricsReport,
  MetricTotals,
} from "./metrics.js";
import { amqpStats, registerAmqpMetrics } from "./prom-amqp-metrics.js";
import {
  type ConnectionFamilies,
  PromConnectionMetrics,
  type SharedCounts,
} from "./prom-connection-metrics.js";
import { type Tally, TallyByLabel, TallyCounter } from "./tally-counter.js";

export interface PromMetricsOptions {
  /** Node's own metrics (`process_*`, `nodejs_*`) too. */
  processMetrics: boolean;
  build: BuildLabels;
}

/** Seconds, from half a millisecond (a send answered from memory) to seconds (a stalled disk). */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Seconds: a group commit without a sync takes tens of microseconds; with one, milliseconds. */
const COMMIT_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * The node's Prometheus metrics, over prom-client, in a registry of its own (no global), so
 * that several nodes in one process (tests) do not mix their counts. The only module that
 * knows prom-client (with the two fast families it builds on, tally-counter.ts and
 * bucket-histogram.ts). Every label value of a closed set is exposed from the start.
 */
export class PromMetrics implements Metrics, MetricsReport {
  readonly registry = new Registry();
  private readonly byDialect = new Map<DialectName, PromConnectionMetrics>();
  private readonly shared: SharedCounts;
  private readonly families: ConnectionFamilies;
  private readonly routed: Record<RouteKind, Tally>;
  private readonly receipts: Record<ReceiptStatus, Tally>;
  private readonly authFailures: TallyByLabel<AuthFailureReason>;
  private readonly refusals: TallyByLabel<string>;
  private readonly duplicateSends: Counter;
  private readonly mailRefusals: Record<MailRefusal, Tally>;
  private readonly mailDroppedCount: Counter;
  private readonly mailExpiredCount: Counter;
  private readonly roomJoins: Counter;
  private readonly heartbeatTimeouts: Counter;
  private readonly commitWrites: Histogram;
  private readonly commitSeconds: Histogram;
  private readonly walSyncs: Counter;
  private readonly redisErrors: Counter<"connection">;
  private readonly redisUp: Gauge<"connection">;
  private readonly eventsAccepted: TallyByLabel<string>;
  private readonly eventsRefusedCounter: TallyCounter<"event" | "code">;
  private readonly eventsRefused = new Map<string, Tally>();
  private amqp: (() => AmqpBridgeReading) | undefined;

  constructor(options: PromMetricsOptions) {
    const registry = this.registry;
    const byDialect = this.byDialect;
    new Gauge({
      name: "postoffice_build_info",
      help: "1, labelled with the version, the git commit built and the Node.js version.",
      labelNames: ["version", "commit", "node"] as const,
      registers: [registry],
    }).set({ ...options.build }, 1);
    new Gauge({
      name: "postoffice_connections",
      help: "Open WebSocket connections (authenticated or not), by dialect.",
      labelNames: ["dialect"] as const,
      registers: [registry],
      collect() {
        for (const [dialect, counts] of byDialect) this.set({ dialect }, counts.open);
      },
    });
    new Gauge({
      name: "postoffice_sessions_authenticated",
      help: "Open connections that have authenticated, by dialect.",
      labelNames: ["dialect"] as const,
      registers: [registry],
      collect() {
        for (const [dialect, counts] of byDialect) this.set({ dialect }, counts.sessions);
      },
    });
    this.families = {
      framesIn: new TallyCounter({
        name: "postoffice_frames_in_total",
        help: "Frames received from clients, by frame type (`invalid` when it could not be decoded) and dialect.",
        labelNames: ["type", "dialect"] as const,
        registry,
      }),
      framesOut: new TallyCounter({
        name: "postoffice_frames_out_total",
        help: "Frames sent to clients, by dialect.",
        labelNames: ["dialect"] as const,
        registry,
      }),
      disconnects: new TallyCounter({
        name: "postoffice_disconnects_total",
        help: "Closed WebSocket connections, by close code (1009 frame too large, 1007 bad UTF-8, 4429 flooding, ...; other client codes as 3xxx, 4xxx or other) and dialect.",
        labelNames: ["code", "dialect"] as const,
        registry,
      }),
    };
    const routed = new TallyCounter({
      name: "postoffice_messages_routed_total",
      help: "Mail accepted into a mailbox, by kind of delivery.",
      labelNames: ["kind"] as const,
      registry,
    });
    this.routed = byKey(LABELS.routeKinds, (kind) => routed.tally({ kind }));
    this.roomJoins = new Counter({
      name: "postoffice_room_joins_total",
      help: "Sessions that joined a room.",
      registers: [registry],
    });
    const receipts = new TallyCounter({
      name: "postoffice_receipts_total",
      help: "`delivered` and `read` receipts created for senders, by status.",
      labelNames: ["status"] as const,
      registry,
    });
    this.receipts = byKey(LABELS.receiptStatuses, (status) => receipts.tally({ status }));
    this.duplicateSends = new Counter({
      name: "postoffice_duplicate_sends_total",
      help: "Sends retried with an `id` already accepted: answered with the first receipt, stored once.",
      registers: [registry],
    });
    const mailRefusals = new TallyCounter({
      name: "postoffice_mail_refused_total",
      help: "Mail refused before it was stored: the sender's quota (limits.sender) or a recipient mailbox.recipients does not know, by reason.",
      labelNames: ["reason"] as const,
      registry,
    });
    this.mailRefusals = byKey(LABELS.mailRefusals, (reason) => mailRefusals.tally({ reason }));
    this.mailExpiredCount = new Counter({
      name: "postoffice_mail_expired_total",
      help: "Mailbox entries (mail and receipts) removed for being older than mailbox.ttlMs.",
      registers: [registry],
    });
    this.mailDroppedCount = new Counter({
      name: "postoffice_mail_dropped_total",
      help: "Unacknowledged mail dropped from full mailboxes (mailbox.overflow: dropOldest).",
      registers: [registry],
    });
    const errors = new TallyCounter({
      name: "postoffice_errors_total",
      help: "Error frames sent to clients, by error code.",
      labelNames: ["code"] as const,
      registry,
    });
    const authFailures = new TallyCounter({
      name: "postoffice_auth_failures_total",
      help: "Refused authentications, by reason.",
      labelNames: ["reason"] as const,
      registry,
    });
    this.authFailures = new TallyByLabel(
      (reason) => authFailures.tally({ reason }),
      LABELS.authFailureReasons,
    );
    const refusals = new TallyCounter({
      name: "postoffice_connections_refused_total",
      help: "WebSocket upgrades refused with an HTTP status, by reason (origin, caps, readiness, path, a dialect's refusal).",
      labelNames: ["reason"] as const,
      registry,
    });
    this.refusals = new TallyByLabel(
      (reason) => refusals.tally({ reason }),
      LABELS.upgradeRefusals,
    );
    const slowReaders = new TallyCounter({
      name: "postoffice_slow_readers_total",
      help: "Connections closed with 1013 for letting more than limits.outboundBufferBytes pile up.",
      labelNames: [],
      registry,
    });
    this.heartbeatTimeouts = new Counter({
      name: "postoffice_heartbeat_timeouts_total",
      help: "Connections terminated for not answering a ping in time.",
      registers: [registry],
    });
    this.redisErrors = new Counter({
      name: "postoffice_redis_connection_errors_total",
      help: "Redis connection failures (refused, cut, timed out, a health PING unanswered), by connection.",
      labelNames: ["connection"] as const,
      registers: [registry],
    });
    this.redisUp = new Gauge({
      name: "postoffice_redis_connection_up",
      help: "1 while the Redis connection is up (connected, prepared and answering), else 0; by connection.",
      labelNames: ["connection"] as const,
      registers: [registry],
    });
    this.commitWrites = new Histogram({
      name: "postoffice_mailbox_commit_writes",
      help: "Writes (mail appended, acks, sweep steps) per group commit of the SQLite mailbox store.",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      registers: [registry],
    });
    this.commitSeconds = new Histogram({
      name: "postoffice_mailbox_commit_seconds",
      help: "Seconds a group commit of the SQLite mailbox store takes, from its transaction's start until it is durable (its WAL synced, with synchronous: full).",
      buckets: COMMIT_BUCKETS,
      registers: [registry],
    });
    this.walSyncs = new Counter({
      name: "postoffice_mailbox_wal_syncs_total",
      help: "fdatasync calls of the SQLite mailbox store's WAL: one per group commit with synchronous: full.",
      registers: [registry],
    });
    const eventsAccepted = new TallyCounter({
      name: "postoffice_events_accepted_total",
      help: "Declared events accepted (every action done), by event.",
      labelNames: ["event"] as const,
      registry,
    });
    this.eventsAccepted = new TallyByLabel((event) => eventsAccepted.tally({ event }), []);
    this.eventsRefusedCounter = new TallyCounter({
      name: "postoffice_events_refused_total",
      help: "Declared events refused, by event (`(unknown)` for every undeclared name) and error code, whether or not the sender's dialect tells it.",
      labelNames: ["event", "code"] as const,
      registry,
    });
    const accepted = new BucketHistogram({
      name: "postoffice_accept_latency_seconds",
      help: "Seconds from a `message` frame's arrival at its session to its `accepted` receipt being written, by kind (`direct`: stored in a mailbox; `room`: fanned out).",
      labelNames: ["kind"] as const,
      buckets: LATENCY_BUCKETS,
      registry,
    });
    const delivered = new BucketHistogram({
      name: "postoffice_delivery_latency_seconds",
      help: "Seconds from a mail's `ts` (stamped as it is sent) to its live write on a recipient's socket (replays not counted; across nodes, includes their clock difference).",
      labelNames: [],
      buckets: LATENCY_BUCKETS,
      registry,
    });
    this.shared = {
      errors: new TallyByLabel((code) => errors.tally({ code }), LABELS.errorCodes),
      slowReaders: slowReaders.tally({}),
      accepted: byKey(LABELS.acceptKinds, (kind): Buckets => accepted.series({ kind })),
      delivered: delivered.series({}),
    };
    for (const dialect of LABELS.dialects) this.connections(dialect);
    registerAmqpMetrics(registry, () => this.amqp?.());
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
  }

  connections(dialect: DialectName): ConnectionMetrics {
    let counts = this.byDialect.get(dialect);
    if (counts === undefined) {
      counts = new PromConnectionMetrics(dialect, this.families, this.shared);
      this.byDialect.set(dialect, counts);
    }
    return counts;
  }

  connectionRefused(reason: string): void {
    this.refusals.get(reason).n += 1;
  }

  heartbeatTimedOut(): void {
    this.heartbeatTimeouts.inc();
  }

  authFailed(reason: AuthFailureReason): void {
    this.authFailures.get(reason).n += 1;
  }

  mailRouted(kind: RouteKind): void {
    this.routed[kind].n += 1;
  }

  duplicateSend(): void {
    this.duplicateSends.inc();
  }

  mailRefused(reason: MailRefusal): void {
    this.mailRefusals[reason].n += 1;
  }

  mailDropped(count: number): void {
    this.mailDroppedCount.inc(count);
  }

  mailExpired(count: number): void {
    this.mailExpiredCount.inc(count);
  }

  receiptMade(status: ReceiptStatus): void {
    this.receipts[status].n += 1;
  }

  roomJoined(): void {
    this.roomJoins.inc();
  }

  eventsDeclared(names: readonly string[]): void {
    for (const event of names) this.eventsAccepted.get(event);
  }

  eventAccepted(event: string): void {
    this.eventsAccepted.get(event).n += 1;
  }

  eventRefused(event: string, code: ErrorCode): void {
    const key = `${event}\u0000${code}`;
    let tally = this.eventsRefused.get(key);
    if (tally === undefined) {
      tally = this.eventsRefusedCounter.tally({ event, code });
      this.eventsRefused.set(key, tally);
    }
    tally.n += 1;
  }

  mailboxCommit(writes: number, synced: boolean, seconds: number): void {
    this.commitWrites.observe(writes);
    this.commitSeconds.observe(seconds);
    if (synced) this.walSyncs.inc();
  }

  redisConnectionError(connection: string): void {
    this.redisErrors.inc({ connection });
  }

  redisConnectionUp(connection: string, up: boolean): void {
    this.redisUp.set({ connection }, up ? 1 : 0);
    // Its failures are exposed (at 0) from the connection's first report on.
    this.redisErrors.inc({ connection }, 0);
  }

  amqpBridge(read: () => AmqpBridgeReading): void {
    this.amqp = read;
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  async totals(): Promise<MetricTotals> {
    let connections = 0;
    let sessions = 0;
    const dialects: MetricTotals["dialects"] = {};
    for (const [dialect, counts] of this.byDialect) {
      connections += counts.open;
      sessions += counts.sessions;
      if (counts.open > 0)
        dialects[dialect] = { connections: counts.open, sessions: counts.sessions };
    }
    const errors: Record<string, number> = {};
    for (const [code, tally] of this.shared.errors.entries()) {
      if (tally.n > 0) errors[code] = tally.n;
    }
    return {
      connections,
      sessions,
      dialects,
      messagesRouted: {
        direct: this.routed.direct.n,
        room: this.routed.room.n,
        broadcast: this.routed.broadcast.n,
      },
      errors,
      ...(this.amqp === undefined ? {} : { amqp: amqpStats(this.amqp()) }),
    };
  }
}

function byKey<K extends string, V>(keys: readonly K[], make: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, make(key)])) as Record<K, V>;
}
