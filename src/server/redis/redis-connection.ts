import type { Redis } from "ioredis";

/**
 * How a Redis backend gets a connection. Only the composition root makes Redis clients
 * (compose/redis-clients.ts), all under one policy: reconnect with backoff, no offline queue
 * (a command while the connection is not up rejects at once), a command whose connection drops
 * is never sent again, a command timeout, and a health check. Backends say what a connection
 * needs before it can serve them (`prepare`), and read whether it can (`up`).
 */
export type RedisConnector = (spec: RedisConnectionSpec) => RedisConnection;

export interface RedisConnectionSpec {
  /** Names the connection in the log, the metrics and Redis's CLIENT LIST (`postoffice:<name>`). */
  name: string;
  /** The connection will SUBSCRIBE: after a reconnection its channels are subscribed again. */
  subscriber?: boolean;
  /**
   * Runs on every (re)connection before the connection counts as up: loading scripts,
   * confirming subscriptions. A rejection drops the connection, which then reconnects.
   */
  prepare?(redis: Redis): Promise<void>;
}

export interface RedisConnection {
  readonly name: string;
  readonly redis: Redis;
  /** Connected, prepared, and answering its health check in time. */
  readonly up: boolean;
  /** True until the first attempt to connect has succeeded or failed: a caller may wait for it. */
  readonly starting: boolean;
  /** Resolves once the connection is up (at once if it is); rejects once it is closed. */
  whenUp(): Promise<void>;
  /** Called on every change of `up`. */
  onChange(listener: (up: boolean) => void): void;
  /** QUIT, so that the replies in flight arrive; a connection that is not up is just cut. */
  close(): Promise<void>;
}
