import { isAbsolute, join } from "node:path";
import type { Broker } from "../broker/broker.js";
import { MemoryBroker } from "../broker/memory-broker.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../log/logger.js";
import { MemoryMessageStore } from "../mailbox/memory-message-store.js";
import type { MessageStore } from "../mailbox/message-store.js";
import { SqliteMessageStore } from "../mailbox/sqlite-message-store.js";
import { MemoryPresence } from "../rooms/memory-presence.js";
import { MemoryRoomLog } from "../rooms/memory-room-log.js";
import type { Presence } from "../rooms/presence.js";
import type { PresenceEntry } from "../rooms/redis-presence.js";
import type { RoomLog } from "../rooms/room-log.js";

/** A room that has said nothing for this long is forgotten in Redis (its numbering restarts). */
const ROOM_IDLE_TTL_MS = 7 * 24 * 3600 * 1000;

export interface Backends {
  store: MessageStore;
  broker: Broker;
  presence: Presence;
  roomLog: RoomLog;
  /** Renews this node's presence entries (Redis only); undefined when presence cannot expire. */
  refreshPresence: ((entries: Iterable<PresenceEntry>) => Promise<void>) | undefined;
  presenceTtlMs: number;
  /** Resolves once the backends can be used (Redis connected and subscribed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The backends, from the configuration [NET-1]: one node on its own (memory broker and
 * presence, SQLite or memory mailboxes) or a node of a network on one Redis (everything shared).
 * load-config has refused the combinations that would lose mail.
 */
export async function buildBackends(
  config: Config,
  log: Logger,
  onRedisStatus: (up: boolean) => void,
): Promise<Backends> {
  // A network node is up while both its broker and its mailbox store reach Redis: they have
  // connections of their own, and one may come back before the other.
  const up = { broker: false, store: false };
  const report = (): void => onRedisStatus(up.broker && up.store);
  const store = await pickStore(config, (ready) => {
    if (!ready && up.store) log.error({ redis: "closed" }, "the mailbox store lost redis");
    up.store = ready;
    report();
  });
  const onHandlerError = (error: unknown, topic: string): void => {
    log.error({ err: error, topic }, "delivery failed");
  };
  const { url, keyPrefix, presenceTtlMs } = config.redis;
  if (url === "") {
    return {
      store,
      broker: new MemoryBroker(onHandlerError),
      presence: new MemoryPresence(),
      roomLog: new MemoryRoomLog(),
      refreshPresence: undefined,
      presenceTtlMs,
      ready: async () => undefined,
      close: () => store.close(),
    };
  }
  // Loaded only for a network of nodes: the Redis client alone costs a single node ~25 MiB.
  const [{ RedisBroker }, { RedisPresence }, { RedisRoomLog }] = await Promise.all([
    import("../broker/redis-broker.js"),
    import("../rooms/redis-presence.js"),
    import("../rooms/redis-room-log.js"),
  ]);
  const onConnectionError = (error: Error): void => {
    log.warn({ err: error.message }, "redis connection failed; retrying");
  };
  const broker = new RedisBroker({
    url,
    keyPrefix,
    onHandlerError,
    onConnectionError,
    onStatus: (status) => {
      log[status === "ready" ? "info" : "error"]({ redis: status }, `redis is ${status}`);
      up.broker = status === "ready";
      report();
    },
  });
  const presence = new RedisPresence({ url, keyPrefix, ttlMs: presenceTtlMs, onConnectionError });
  const roomLog = new RedisRoomLog({ url, keyPrefix, idleTtlMs: ROOM_IDLE_TTL_MS });
  return {
    store,
    broker,
    presence,
    roomLog,
    refreshPresence: (entries) => presence.refresh(entries),
    presenceTtlMs,
    ready: () => broker.whenReady(),
    close: async () => {
      await Promise.all([broker.close(), presence.close(), roomLog.close(), store.close()]);
    },
  };
}

async function pickStore(
  config: Config,
  onRedisStatus: (ready: boolean) => void,
): Promise<MessageStore> {
  const { store: kind, maxMessages, overflow, ttlMs, idempotencyWindowMs, sqlite } = config.mailbox;
  const retention = { maxMessages, overflow, ttlMs, idempotencyWindowMs };
  switch (kind) {
    case "memory":
      return new MemoryMessageStore(retention);
    case "sqlite": {
      const file = isAbsolute(sqlite.file) ? sqlite.file : join(config.server.dataDir, sqlite.file);
      return new SqliteMessageStore({ ...retention, ...sqlite, file });
    }
    case "redis": {
      const { RedisMessageStore } = await import("../mailbox/redis-message-store.js");
      return new RedisMessageStore({
        url: config.redis.url,
        keyPrefix: config.redis.keyPrefix,
        ...retention,
        onStatus: onRedisStatus,
      });
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown mailbox store "${String(unknown)}"`);
    }
  }
}
