import { isAbsolute, join } from "node:path";
import type { Broker } from "../broker/broker.js";
import { MemoryBroker } from "../broker/memory-broker.js";
import type { Config } from "../config/config.js";
import { MemoryRateLimitStore } from "../events/memory-rate-limit-store.js";
import type { RateLimitStore } from "../events/rate-limit-store.js";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import { MemoryMessageStore } from "../mailbox/memory-message-store.js";
import type { MessageStore } from "../mailbox/message-store.js";
import { SqliteMessageStore } from "../mailbox/sqlite-message-store.js";
import type { WriteState } from "../mailbox/write-health.js";
import type { Metrics } from "../metrics/metrics.js";
import type { RedisConnector } from "../redis/redis-connection.js";
import { MemoryPresence } from "../rooms/memory-presence.js";
import { MemoryRoomLog } from "../rooms/memory-room-log.js";
import type { Presence } from "../rooms/presence.js";
import type { PresenceEntry } from "../rooms/redis-presence.js";
import type { RoomLog } from "../rooms/room-log.js";
import { type KnownUsers, MemoryKnownUsers } from "../users/known-users.js";
import type { RedisMetrics } from "./redis-clients.js";

/** What the mailbox store reports (SQLite: each group commit). */
export type StoreMetrics = Pick<Metrics, "mailboxCommit">;

/** A room that has said nothing for this long is forgotten in Redis (its numbering restarts). */
const ROOM_IDLE_TTL_MS = 7 * 24 * 3600 * 1000;

export interface Backends {
  store: MessageStore;
  broker: Broker;
  presence: Presence;
  roomLog: RoomLog;
  /** The declared events' `rate_limit` counts: shared by the nodes of a network. */
  rateLimits: RateLimitStore;
  /** Renews this node's presence entries (Redis only); undefined when presence cannot expire. */
  refreshPresence: ((entries: Iterable<PresenceEntry>) => Promise<void>) | undefined;
  presenceTtlMs: number;
  /** The users who have connected once, for `mailbox.recipients: connected`; else undefined. */
  knownUsers: KnownUsers | undefined;
  /** Resolves once the backends can be used (every Redis connection up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The backends, from the configuration [NET-1]: one node on its own (memory broker and
 * presence, SQLite or memory mailboxes) or a node of a network on one Redis (everything shared).
 * load-config has refused the combinations that would lose mail. On a network, every Redis
 * connection comes from one RedisClients, under its one policy; `onRedisStatus` is told
 * whether all of them are up.
 */
export async function buildBackends(
  config: Config,
  log: Logger,
  metrics: RedisMetrics & StoreMetrics,
  onRedisStatus: (up: boolean) => void,
): Promise<Backends> {
  // Once per mail when it fails: throttled, as a client's sends set it off [LIMIT-4].
  const deliveryLog = new LogThrottle(log);
  const onHandlerError = (error: unknown, topic: string): void => {
    deliveryLog.error("delivery_failed", { err: error, topic }, "delivery failed");
  };
  const { url, keyPrefix, presenceTtlMs } = config.redis;
  if (url === "") {
    const store = await pickStore(config, undefined, metrics, log);
    const knownUsers = await pickKnownUsers(config, undefined);
    const roomLog = new MemoryRoomLog({
      maxBytes: config.rooms.historyMaxBytes,
      emptyIdleMs: config.rooms.emptyRoomIdleMs,
    });
    return {
      store,
      broker: new MemoryBroker(onHandlerError),
      presence: new MemoryPresence(),
      roomLog,
      rateLimits: new MemoryRateLimitStore(),
      refreshPresence: undefined,
      presenceTtlMs,
      knownUsers,
      ready: async () => undefined,
      close: async () => {
        await Promise.all([store.close(), roomLog.close(), knownUsers?.close()]);
      },
    };
  }
  // Loaded only for a network of nodes: the Redis client alone costs a single node ~25 MiB.
  const [
    { RedisClients },
    { RedisBroker },
    { RedisPresence },
    { RedisRoomLog },
    { RedisRateLimitStore },
  ] = await Promise.all([
    import("./redis-clients.js"),
    import("../broker/redis-broker.js"),
    import("../rooms/redis-presence.js"),
    import("../rooms/redis-room-log.js"),
    import("../events/redis-rate-limit-store.js"),
  ]);
  const clients = new RedisClients({ url, log, metrics });
  clients.onChange(onRedisStatus);
  const { connect } = clients;
  const store = await pickStore(config, connect, metrics, log);
  const broker = new RedisBroker({ connect, keyPrefix, onHandlerError });
  const presence = new RedisPresence({ connect, keyPrefix, ttlMs: presenceTtlMs });
  const roomLog = new RedisRoomLog({ connect, keyPrefix, idleTtlMs: ROOM_IDLE_TTL_MS });
  const knownUsers = await pickKnownUsers(config, connect);
  const rateLimits = new RedisRateLimitStore({ connect, keyPrefix });
  return {
    store,
    broker,
    presence,
    roomLog,
    rateLimits,
    refreshPresence: (entries) => presence.refresh(entries),
    presenceTtlMs,
    knownUsers,
    ready: () => clients.whenUp(),
    close: async () => {
      await Promise.all([
        broker.close(),
        presence.close(),
        roomLog.close(),
        rateLimits.close(),
        store.close(),
        knownUsers?.close(),
      ]);
      await clients.close();
    },
  };
}

/**
 * Where the users who have connected once are kept, beside the mail (`mailbox.recipients:
 * connected`): in memory with the memory store, a file of their own in the data directory
 * with SQLite, one set in Redis for a network.
 */
async function pickKnownUsers(
  config: Config,
  connect: RedisConnector | undefined,
): Promise<KnownUsers | undefined> {
  if (config.mailbox.recipients !== "connected") return undefined;
  const kind = config.mailbox.store;
  switch (kind) {
    case "memory":
      return new MemoryKnownUsers();
    case "sqlite": {
      const { SqliteKnownUsers, KNOWN_USERS_FILE } = await import("../users/sqlite-known-users.js");
      return new SqliteKnownUsers(join(config.server.dataDir, KNOWN_USERS_FILE));
    }
    case "redis": {
      if (connect === undefined) throw new Error('mailbox.store "redis" needs redis.url');
      const { RedisKnownUsers } = await import("../users/redis-known-users.js");
      return new RedisKnownUsers({ connect, keyPrefix: config.redis.keyPrefix });
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown mailbox store "${String(unknown)}"`);
    }
  }
}

/** Once per change, so that a full disk is one line, not one per refused mail [OPS-2]. */
function logWriteState(log: Logger, file: string, state: WriteState, error: unknown): void {
  switch (state) {
    case "accepting":
      log.info({ file }, "the mailbox database writes again: accepting mail, ready");
      return;
    case "failing":
      log.error(
        { file, err: error },
        "the mailbox database cannot write: refusing mail (store_unavailable) and not ready until a write succeeds; probing every second",
      );
      return;
    case "stopped":
      log.error(
        { file, err: error },
        "the mailbox database could not be synced to disk: it takes no more writes and the node is not ready; fix the disk and restart the node",
      );
      return;
    default: {
      const unknown: never = state;
      throw new Error(`unknown write state ${String(unknown)}`);
    }
  }
}

async function pickStore(
  config: Config,
  connect: RedisConnector | undefined,
  metrics: StoreMetrics,
  log: Logger,
): Promise<MessageStore> {
  const { store: kind, maxMessages, overflow, ttlMs, idempotencyWindowMs, sqlite } = config.mailbox;
  const retention = { maxMessages, overflow, ttlMs, idempotencyWindowMs };
  switch (kind) {
    case "memory":
      return new MemoryMessageStore(retention);
    case "sqlite": {
      const file = isAbsolute(sqlite.file) ? sqlite.file : join(config.server.dataDir, sqlite.file);
      const onCommit = (writes: number, synced: boolean, seconds: number) =>
        metrics.mailboxCommit(writes, synced, seconds);
      return new SqliteMessageStore({
        ...retention,
        ...sqlite,
        file,
        onCommit,
        onWriteState: (state, error) => logWriteState(log, file, state, error),
      });
    }
    case "redis": {
      if (connect === undefined) throw new Error('mailbox.store "redis" needs redis.url');
      const { RedisMessageStore } = await import("../mailbox/redis-message-store.js");
      return new RedisMessageStore({ connect, keyPrefix: config.redis.keyPrefix, ...retention });
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown mailbox store "${String(unknown)}"`);
    }
  }
}
