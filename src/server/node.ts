import type { Server } from "node:http";
import { hostname } from "node:os";
import { isAbsolute, join } from "node:path";
import type { WebSocketServer } from "ws";
import { CLOSE_CODES, type GoingAwayReason } from "../protocol/index.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { Broker } from "./broker/broker.js";
import { MemoryBroker } from "./broker/memory-broker.js";
import { buildAuthenticator } from "./compose/authenticator.js";
import { buildGateway } from "./compose/gateway.js";
import { compileUserSchema } from "./config/compile-user-schema.js";
import type { Config } from "./config/config.js";
import { ChatNames } from "./dialects/chat-names.js";
import { startHeartbeat } from "./gateway/heartbeat.js";
import type { NodeState } from "./gateway/http-routes.js";
import { createFrameHandler } from "./handlers/dispatch.js";
import type { Logger } from "./log/logger.js";
import { MemoryMessageStore } from "./mailbox/memory-message-store.js";
import type { MessageStore } from "./mailbox/message-store.js";
import { SqliteMessageStore } from "./mailbox/sqlite-message-store.js";
import { Metrics } from "./metrics/metrics.js";
import { LocalRooms } from "./rooms/local-rooms.js";
import { MemoryPresence } from "./rooms/memory-presence.js";
import { MemoryRoomLog } from "./rooms/memory-room-log.js";
import { RoomRouter } from "./router/room-router.js";
import { Router } from "./router/router.js";
import { Permissions } from "./rules/permissions.js";
import { MemoryRoleDirectory } from "./rules/role-directory.js";
import { SessionLifecycle } from "./session/session-lifecycle.js";
import { SessionRegistry } from "./session/session-registry.js";
import { VERSION } from "./version.js";

/** A running Postoffice node: the one place where configuration becomes wired objects. */
export class PostofficeNode {
  private state: NodeState = "starting";
  private stopHeartbeat: () => void = () => {};
  private expiry: NodeJS.Timeout | undefined;
  private drained: Promise<void> | undefined;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly metrics: Metrics,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly registry: SessionRegistry,
    private readonly store: MessageStore,
    private readonly broker: Broker,
    private readonly authenticator: Authenticator,
  ) {}

  static async start(config: Config, log: Logger): Promise<PostofficeNode> {
    const startedAt = Date.now();
    const nodeId = `${hostname()}-${process.pid}`;
    const metrics = new Metrics({ processMetrics: config.metrics.processMetrics });
    const { authenticator } = await buildAuthenticator(config.auth, config.server.dataDir, log);
    const store = pickStore(config);
    const broker = new MemoryBroker((error, topic) =>
      log.error({ err: error, topic }, "delivery failed"),
    );
    const registry = new SessionRegistry(broker);
    const router = new Router(store, broker, metrics, (error, user) =>
      log.error({ err: error, user }, "live delivery failed; the mail waits in the mailbox"),
    );
    const rooms = new RoomRouter(
      broker,
      new MemoryPresence(),
      new MemoryRoomLog(),
      new LocalRooms(broker),
      config.rooms.settings,
      config.rooms,
      metrics,
    );
    const directory = new MemoryRoleDirectory();
    for (const { user, roles } of config.auth.tokens) directory.remember(user, roles);
    const permissions = new Permissions(config.permissions, directory);
    const chat = config.chat.enabled
      ? { room: config.chat.room, names: new ChatNames() }
      : undefined;
    const lifecycle = new SessionLifecycle(
      { registry, router, rooms, directory, metrics, log },
      {
        chatRoom: chat?.room,
        chatNames: chat?.names,
        maxSessionsPerUser: config.limits.maxSessionsPerUser,
        version: VERSION,
        nodeId,
        heartbeatMs: config.server.heartbeat.intervalMs,
      },
    );
    await registry.followBroadcasts();
    const handleFrame = createFrameHandler({
      authenticator,
      router,
      rooms,
      permissions,
      lifecycle,
      log,
    });
    let node: PostofficeNode | undefined;
    const state = (): NodeState => node?.state ?? "starting";
    const { http, wss } = buildGateway(config, {
      authenticator,
      lifecycle,
      registry,
      metrics,
      log,
      handleFrame,
      validateMessage:
        config.validation.message === undefined
          ? undefined
          : compileUserSchema(config.validation.message),
      state,
      version: VERSION,
      nodeId,
      startedAt,
      chat,
      mailboxesWaiting: () => store.waitingMailboxes(),
    });
    node = new PostofficeNode(
      config,
      log,
      metrics,
      http,
      wss,
      registry,
      store,
      broker,
      authenticator,
    );
    await listen(http, config.server.port, config.server.host);
    node.stopHeartbeat = startHeartbeat(registry, metrics, config.server.heartbeat.intervalMs);
    node.expiry = setInterval(() => {
      router.expire().catch((error: unknown) => log.error({ err: error }, "mailbox expiry failed"));
    }, config.mailbox.expireIntervalMs);
    node.expiry.unref();
    node.state = "ready";
    if (config.auth.anonymous.enabled) {
      log.warn(
        "ANONYMOUS MODE IS ON: anyone can connect and pick any user name. Development only; never expose this server.",
      );
    }
    log.info(
      { url: node.url, version: VERSION, startupMs: Date.now() - startedAt },
      "postoffice is ready",
    );
    return node;
  }

  get port(): number {
    const address = this.http.address();
    if (address === null || typeof address === "string") throw new Error("not listening");
    return address.port;
  }

  get url(): string {
    const host = this.config.server.host;
    const shown =
      host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
    return `ws://${shown}:${this.port}${this.config.server.path}`;
  }

  get connections(): number {
    return this.registry.size;
  }

  /**
   * Graceful stop [OPS-1]: refuse new connections, close every session with 1001 and the
   * reconnect window, let queued frames flush, cut what remains at the deadline.
   */
  drain(): Promise<void> {
    this.drained ??= this.runDrain();
    return this.drained;
  }

  private async runDrain(): Promise<void> {
    const { drainTimeoutMs, reconnectWindowMs } = this.config.server.shutdown;
    const deadline = Date.now() + drainTimeoutMs;
    // HTTP stays up while sessions close, so that /ready answers 503 to load balancers;
    // upgrades are refused from now on.
    this.state = "draining";
    this.stopHeartbeat();
    clearInterval(this.expiry);
    const open = this.registry.size;
    this.log.info({ sessions: open, drainTimeoutMs, reconnectWindowMs }, "draining");
    const reason: GoingAwayReason = {
      code: "server_shutdown",
      reconnectWithinMs: reconnectWindowMs,
    };
    const reasonText = JSON.stringify(reason);
    for (const session of [...this.registry.sessions()])
      session.close(CLOSE_CODES.goingAway, reasonText);
    while (this.registry.size > 0 && Date.now() < deadline) await sleep(20);
    const cut = this.registry.size;
    for (const session of [...this.registry.sessions()]) session.ws.terminate();
    const closedHttp = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closedHttp;
    this.wss.close();
    await Promise.all([this.authenticator.close?.(), this.broker.close(), this.store.close()]);
    this.log.info({ closed: open - cut, cut }, "drained");
  }
}

function pickStore(config: Config): MessageStore {
  const { store: kind, maxMessages, overflow, ttlMs, idempotencyWindowMs, sqlite } = config.mailbox;
  const retention = { maxMessages, overflow, ttlMs, idempotencyWindowMs };
  switch (kind) {
    case "memory":
      return new MemoryMessageStore(retention);
    case "sqlite": {
      const file = isAbsolute(sqlite.file) ? sqlite.file : join(config.server.dataDir, sqlite.file);
      return new SqliteMessageStore({ ...retention, ...sqlite, file });
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown mailbox store "${String(unknown)}"`);
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
