/** Backoff between attempts: `initialDelayMs`, doubled each time, at most `maxDelayMs`. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** What the AMQP bridge needs; the composition root builds it from the `amqp` section. */
export interface AmqpBridgeOptions {
  /** `amqp://user:password@host:port/vhost` (or `amqps://`); never logged. */
  url: string;
  /** The sender stamped on mail taken from the queue, as an HTTP API key's name is. */
  service: string;
  /** Durable queue of mail to publish (declared by the bridge). */
  mailQueue: string;
  /** Durable queue where refused and malformed mail goes, with its reason (declared too). */
  deadLetterQueue: string;
  /** Messages of the mail queue handled at once (unacknowledged at most). */
  prefetch: number;
  /** A larger message is dead-lettered unread (`too_large`). */
  maxMessageBytes: number;
  /** Retries of mail the intake could not take for now (`store_unavailable`, ...). */
  retry: BackoffOptions & {
    /** Attempts in all, the first included; then the message is dead-lettered. */
    maxAttempts: number;
  };
  /** Durable topic exchange the node's activity is published to (declared by the bridge). */
  exchange: string;
  /** Publish mail bodies in `mail.accepted` events; off, only the envelope is. */
  publishBodies: boolean;
  outbox: {
    /** Directory of the outbox's SQLite file, `amqp-outbox.db` (the node's data directory). */
    directory: string;
    /** Events kept while RabbitMQ is away; past it the oldest are dropped, and counted. */
    maxEvents: number;
    /** Events published per round of confirms. */
    batchSize: number;
  };
  /** Reconnection to RabbitMQ, for ever, with this backoff (and jitter). */
  reconnect: BackoffOptions;
  /** What `close()` waits for mail the intake is still taking before it lets go of it. */
  closeTimeoutMs: number;
}

/** The defaults: everything but where RabbitMQ and the data directory are. */
export function defaultAmqpBridgeOptions(url: string, outboxDirectory: string): AmqpBridgeOptions {
  return {
    url,
    service: "amqp",
    mailQueue: "postoffice.mail",
    deadLetterQueue: "postoffice.mail.dead",
    prefetch: 64,
    maxMessageBytes: 65536,
    retry: { maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 10_000 },
    exchange: "postoffice.events",
    publishBodies: false,
    outbox: { directory: outboxDirectory, maxEvents: 100_000, batchSize: 256 },
    reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 },
    closeTimeoutMs: 5000,
  };
}

/** The delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(options: BackoffOptions, attempt: number): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
}
