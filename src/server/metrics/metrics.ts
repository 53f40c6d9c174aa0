import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The node's Prometheus metrics, in a registry of its own (no global), so that several
 * nodes in one process (tests) do not mix their counts.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: "postoffice_connections",
    help: "Open WebSocket connections (authenticated or not).",
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: "postoffice_sessions_authenticated",
    help: "Open connections that have authenticated.",
    registers: [this.registry],
  });
  readonly framesIn = new Counter({
    name: "postoffice_frames_in_total",
    help: "Frames received from clients, by frame type (`invalid` when it could not be decoded).",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  /** Frames sent: a plain count on the hot path, handed to `framesOut` at each scrape. */
  framesSent = 0;
  private framesSentReported = 0;
  readonly framesOut: Counter = new Counter({
    name: "postoffice_frames_out_total",
    help: "Frames sent to clients.",
    registers: [this.registry],
    collect: () => {
      this.framesOut.inc(this.framesSent - this.framesSentReported);
      this.framesSentReported = this.framesSent;
    },
  });
  readonly messagesRouted = new Counter({
    name: "postoffice_messages_routed_total",
    help: "Mail accepted into a mailbox, by kind of delivery.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly roomJoins = new Counter({
    name: "postoffice_room_joins_total",
    help: "Sessions that joined a room.",
    registers: [this.registry],
  });
  readonly receipts = new Counter({
    name: "postoffice_receipts_total",
    help: "`delivered` and `read` receipts created for senders, by status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly duplicateSends = new Counter({
    name: "postoffice_duplicate_sends_total",
    help: "Sends retried with an `id` already accepted: answered with the first receipt, stored once.",
    registers: [this.registry],
  });
  readonly mailExpired = new Counter({
    name: "postoffice_mail_expired_total",
    help: "Mailbox entries (mail and receipts) removed for being older than mailbox.ttlMs.",
    registers: [this.registry],
  });
  readonly mailDropped = new Counter({
    name: "postoffice_mail_dropped_total",
    help: "Unacknowledged mail dropped from full mailboxes (mailbox.overflow: dropOldest).",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "postoffice_errors_total",
    help: "Error frames sent to clients, by error code.",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "postoffice_auth_failures_total",
    help: "Refused authentications, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: "postoffice_connections_refused_total",
    help: "WebSocket upgrades refused with an HTTP status, by reason (origin, caps, readiness, path).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: "postoffice_disconnects_total",
    help: "Closed WebSocket connections, by close code (1009 frame too large, 1007 bad UTF-8, 4429 flooding, ...).",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly slowReaders = new Counter({
    name: "postoffice_slow_readers_total",
    help: "Connections closed with 1013 for letting more than limits.outboundBufferBytes pile up.",
    registers: [this.registry],
  });
  readonly heartbeatTimeouts = new Counter({
    name: "postoffice_heartbeat_timeouts_total",
    help: "Connections terminated for not answering a ping in time.",
    registers: [this.registry],
  });
  readonly redisConnectionErrors = new Counter({
    name: "postoffice_redis_connection_errors_total",
    help: "Redis connection failures (refused, cut, timed out, a health PING unanswered), by connection.",
    labelNames: ["connection"] as const,
    registers: [this.registry],
  });
  readonly redisConnectionsUp = new Gauge({
    name: "postoffice_redis_connection_up",
    help: "1 while the Redis connection is up (connected, prepared and answering), else 0; by connection.",
    labelNames: ["connection"] as const,
    registers: [this.registry],
  });

  readonly eventsAccepted = new Counter({
    name: "postoffice_events_accepted_total",
    help: "Declared events accepted (every action done), by event.",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });
  readonly eventsRefused = new Counter({
    name: "postoffice_events_refused_total",
    help: "Declared events refused, by event (`(unknown)` for every undeclared name) and error code.",
    labelNames: ["event", "code"] as const,
    registers: [this.registry],
  });

  readonly mailboxCommitWrites = new Histogram({
    name: "postoffice_mailbox_commit_writes",
    help: "Writes (mail appended, acks, sweep steps) per group commit of the SQLite mailbox store.",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [this.registry],
  });
  readonly mailboxWalSyncs = new Counter({
    name: "postoffice_mailbox_wal_syncs_total",
    help: "fdatasync calls of the SQLite mailbox store's WAL: one per group commit with synchronous: full.",
    registers: [this.registry],
  });

  /**
   * Per-frame and per-message counts, bound to their label once: prom-client hashes the
   * labels on every `inc({...})`, which the hot path of a message need not pay.
   */
  private readonly framesInByType = new Map<string, { inc(): void }>();
  readonly routed = {
    direct: this.messagesRouted.labels("direct"),
    room: this.messagesRouted.labels("room"),
    broadcast: this.messagesRouted.labels("broadcast"),
  };
  readonly receiptsMade = {
    delivered: this.receipts.labels("delivered"),
    read: this.receipts.labels("read"),
  };

  private readonly eventsAcceptedByName = new Map<string, { inc(): void }>();

  /** An event was accepted. Names are the declared ones (a bounded set), never a client's. */
  eventAccepted(event: string): void {
    let counter = this.eventsAcceptedByName.get(event);
    if (counter === undefined) {
      counter = this.eventsAccepted.labels(event);
      this.eventsAcceptedByName.set(event, counter);
    }
    counter.inc();
  }

  /** An event was refused with this code: counted whether or not its sender is told. */
  eventRefused(event: string, code: string): void {
    this.eventsRefused.labels(event, code).inc();
  }

  frameIn(type: string): void {
    let counter = this.framesInByType.get(type);
    if (counter === undefined) {
      counter = this.framesIn.labels(type);
      this.framesInByType.set(type, counter);
    }
    counter.inc();
  }

  /** One group commit of the mailbox store (a plain method: metrics/ is to get a semantic interface). */
  mailboxCommit(writes: number, synced: boolean): void {
    this.mailboxCommitWrites.observe(writes);
    if (synced) this.mailboxWalSyncs.inc();
  }

  redisConnectionError(connection: string): void {
    this.redisConnectionErrors.labels(connection).inc();
  }

  redisConnectionUp(connection: string, up: boolean): void {
    this.redisConnectionsUp.labels(connection).set(up ? 1 : 0);
  }

  constructor(options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
