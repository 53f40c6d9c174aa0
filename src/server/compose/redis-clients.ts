import { Redis, type RedisOptions } from "ioredis";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type {
  RedisConnection,
  RedisConnectionSpec,
  RedisConnector,
} from "../redis/redis-connection.js";

/** What the connections tell the metrics. */
export type RedisMetrics = Pick<Metrics, "redisConnectionError" | "redisConnectionUp">;

export interface RedisClientsOptions {
  url: string;
  log: Logger;
  metrics?: RedisMetrics;
  /** A command without a reply for this long rejects (default 5000 ms). */
  commandTimeoutMs?: number;
  /** Each connection is sent a PING this often (default 1000 ms)... */
  healthIntervalMs?: number;
  /** ...and is down while one has waited longer than this for its reply (default 2000 ms). */
  healthTimeoutMs?: number;
}

/**
 * The node's Redis connections, all made here and under one policy [NET-3]:
 * - reconnect with a growing, jittered delay (capped at 2 s), for ever;
 * - no offline queue: a command while a connection is not ready rejects at once, so that a send
 *   is refused rather than kept waiting for a Redis that may not come back;
 * - a command in flight when its connection drops is rejected, never sent again (it may have
 *   run; the sender's retry, deduplicated by its id, is the safe way to find out);
 * - a command without a reply within `commandTimeoutMs` rejects, and a connection that has
 *   waited three times as long for any byte is cut and made again (a partition sends no reset);
 * - a PING every `healthIntervalMs`: a connection whose PING waits longer than
 *   `healthTimeoutMs` is down until Redis answers again (a paused or overloaded Redis keeps
 *   its sockets open, so nothing else would tell).
 * A connection is up when it is ready, prepared (scripts loaded, subscriptions confirmed) and
 * answering; the node is ready only while every connection is up. Errors are logged
 * (throttled) and counted.
 */
export class RedisClients {
  private readonly connections = new Set<ManagedConnection>();
  private readonly listeners: ((up: boolean) => void)[] = [];
  private readonly throttle: LogThrottle;
  private reported = false;

  constructor(private readonly options: RedisClientsOptions) {
    this.throttle = new LogThrottle(options.log);
  }

  readonly connect: RedisConnector = (spec) => {
    const connection = new ManagedConnection(spec, this.options, {
      failed: (name, error) => {
        this.options.metrics?.redisConnectionError(name);
        this.throttle.warn(
          `redis:${name}`,
          { redis: name, err: error.message },
          "redis connection failed; retrying",
        );
      },
      changed: (changed) => this.changed(changed),
      closed: (closed) => {
        this.connections.delete(closed);
        this.report();
      },
    });
    this.connections.add(connection);
    return connection;
  };

  /** Every connection made here (and not closed) is up. */
  get up(): boolean {
    if (this.connections.size === 0) return false;
    for (const connection of this.connections) if (!connection.up) return false;
    return true;
  }

  /** Resolves once every connection is up. */
  async whenUp(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => connection.whenUp()));
  }

  /** Called on every change of `up`. */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Each connection's name and whether it is up, for the log and the tests. */
  status(): { name: string; up: boolean }[] {
    return [...this.connections].map(({ name, up }) => ({ name, up }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => connection.close()));
  }

  private changed(connection: ManagedConnection): void {
    const { log, metrics } = this.options;
    metrics?.redisConnectionUp(connection.name, connection.up);
    if (connection.up) log.info({ redis: connection.name }, "redis connection is up");
    else
      log.error({ redis: connection.name, reason: connection.reason }, "redis connection is down");
    this.report();
  }

  private report(): void {
    const up = this.up;
    if (up === this.reported) return;
    this.reported = up;
    for (const listener of this.listeners) listener(up);
  }
}

interface ConnectionHooks {
  failed(name: string, error: Error): void;
  changed(connection: ManagedConnection): void;
  closed(connection: ManagedConnection): void;
}

/** Grows from 100 ms to 2 s, with ±25 % jitter so that nodes do not reconnect in step. */
function backoff(attempt: number): number {
  const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2000);
  return Math.round(delay * (0.75 + Math.random() / 2));
}

class ManagedConnection implements RedisConnection {
  readonly name: string;
  readonly redis: Redis;
  starting = true;
  /** Why the connection is down, for the log. */
  reason = "connecting";
  /** The connection (by its count of "ready" events) that `prepare` has run on. */
  private prepared = -1;
  private generation = 0;
  private answering = true;
  /** Ready, and no error reported since: a close now is a failure of its own. */
  private readySinceError = false;
  private pinging = false;
  private reported = false;
  private closed = false;
  private readonly health: NodeJS.Timeout;
  private readonly healthTimeoutMs: number;
  private readonly listeners: ((up: boolean) => void)[] = [];
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];

  constructor(
    private readonly spec: RedisConnectionSpec,
    options: RedisClientsOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.name = spec.name;
    const commandTimeout = options.commandTimeoutMs ?? 5000;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2000;
    const policy: RedisOptions = {
      connectionName: `postoffice:${spec.name}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: spec.subscriber === true,
      commandTimeout,
      connectTimeout: commandTimeout,
      socketTimeout: commandTimeout * 3,
      retryStrategy: backoff,
    };
    this.redis = new Redis(options.url, policy);
    // A listener also keeps ioredis from printing every failed attempt.
    this.redis.on("error", (error: Error) => this.fail(error));
    this.redis.on("ready", () => void this.prepare());
    this.redis.on("close", () => {
      // A connection Redis closed without an error (CLIENT KILL, a restart) failed all the same.
      if (this.readySinceError && !this.closed) this.fail(new Error("Redis closed the connection"));
      this.readySinceError = false;
      this.update();
    });
    this.health = setInterval(() => this.check(), options.healthIntervalMs ?? 1000);
    this.health.unref();
  }

  get up(): boolean {
    return (
      !this.closed &&
      this.redis.status === "ready" &&
      this.prepared === this.generation &&
      this.answering
    );
  }

  whenUp(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`redis connection ${this.name} is closed`));
    if (this.up) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const wasUp = this.redis.status === "ready";
    this.closed = true;
    clearInterval(this.health);
    const error = new Error(`redis connection ${this.name} is closed`);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.hooks.closed(this);
    if (
      wasUp &&
      (await this.redis.quit().then(
        () => true,
        () => false,
      ))
    )
      return;
    this.redis.disconnect();
  }

  private async prepare(): Promise<void> {
    const generation = ++this.generation;
    this.readySinceError = true;
    this.answering = true;
    this.reason = "preparing";
    try {
      await this.spec.prepare?.(this.redis);
    } catch (error) {
      // Lost meanwhile: that loss is the failure, and the next connection prepares again.
      if (generation !== this.generation || this.closed || this.redis.status !== "ready") return;
      this.fail(error instanceof Error ? error : new Error(String(error)));
      // Made again from scratch, with the backoff, rather than left half ready.
      this.redis.disconnect(true);
      return;
    }
    if (generation !== this.generation) return;
    this.prepared = generation;
    this.update();
  }

  /** One PING at a time: a Redis that answers none for a while is down until it answers. */
  private check(): void {
    if (this.pinging || this.closed || this.redis.status !== "ready") return;
    this.pinging = true;
    const late = setTimeout(() => {
      this.answering = false;
      this.reason = `no answer to PING within ${this.healthTimeoutMs} ms`;
      this.fail(new Error(this.reason));
      this.update();
    }, this.healthTimeoutMs);
    late.unref();
    void this.redis
      .ping()
      .then(
        () => {
          this.answering = true;
          this.update();
        },
        // Timed out or cut: the next PING, or the next "ready", decides.
        () => undefined,
      )
      .finally(() => {
        clearTimeout(late);
        this.pinging = false;
      });
  }

  private fail(error: Error): void {
    if (this.closed) return;
    // The first attempt has failed: callers need not wait for it any longer.
    this.starting = false;
    this.readySinceError = false;
    this.reason = error.message;
    this.hooks.failed(this.name, error);
  }

  private update(): void {
    if (this.closed) return;
    const up = this.up;
    if (up === this.reported) return;
    this.reported = up;
    if (up) {
      this.starting = false;
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
    }
    this.hooks.changed(this);
    for (const listener of this.listeners) listener(up);
  }
}
