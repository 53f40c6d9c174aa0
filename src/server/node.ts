import type { Server } from "node:http";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import type { WebSocketServer } from "ws";
import { CLOSE_CODES, type GoingAwayReason } from "../protocol/index.js";
import { LocalActivityFeed } from "./activity/local-activity-feed.js";
import type { AmqpBridge } from "./amqp/amqp-bridge.js";
import type { ApiHandler } from "./api/api-handler.js";
import { statsAccess } from "./api/stats-access.js";
import type { Authenticator } from "./auth/authenticator.js";
import { buildAuthenticator } from "./compose/authenticator.js";
import { buildBackendEntries } from "./compose/backend-entries.js";
import { type Backends, buildBackends } from "./compose/backends.js";
import { secureDataDir } from "./compose/data-dir.js";
import { buildEndpointAuthenticators } from "./compose/endpoint-authenticators.js";
import { buildEventEngine, eventsOptions } from "./compose/event-rules.js";
import { buildGateway } from "./compose/gateway.js";
import { mailAdmission, remembering, seededRoleDirectory } from "./compose/mail-admission.js";
import { metricsGuard } from "./compose/metrics-guard.js";
import type { ReloadsRules, RulesReload } from "./compose/reload-rules.js";
import { compileUserSchema } from "./config/compile-user-schema.js";
import type { Config } from "./config/config.js";
import type { EventEngine } from "./events/event-engine.js";
import type { EventCounters } from "./events/event-stats.js";
import { tokenVerifierOf } from "./events/token-verifier.js";
import { startHeartbeat } from "./gateway/heartbeat.js";
import type { NodeState } from "./gateway/http-routes.js";
import { openMetricsWarning } from "./gateway/metrics-access.js";
import { createFrameHandler } from "./handlers/dispatch.js";
import type { HandlerContext } from "./handlers/handler-context.js";
import { LogThrottle } from "./log/log-throttle.js";
import type { Logger } from "./log/logger.js";
import type { Metrics } from "./metrics/metrics.js";
import { NoMetrics } from "./metrics/no-metrics.js";
import { PromMetrics } from "./metrics/prom-metrics.js";
import { publicUrls } from "./public-urls.js";
import { LocalRooms } from "./rooms/local-rooms.js";
import type { PresenceEntry } from "./rooms/redis-presence.js";
import { NoticeRouter } from "./router/notice-router.js";
import { RoomRouter } from "./router/room-router.js";
import { Router } from "./router/router.js";
import { Permissions } from "./rules/permissions.js";
import type { RoleDirectory } from "./rules/role-directory.js";
import { SessionLifecycle } from "./session/session-lifecycle.js";
import { SessionRegistry } from "./session/session-registry.js";
import { UserSessions } from "./session/user-sessions.js";
import { WrittenAcks } from "./session/written-acks.js";
import { VERSION } from "./version.js";

/** A running Postoffice node: the one place where configuration becomes wired objects. */
export class PostofficeNode implements ReloadsRules {
  private state: NodeState = "starting";
  private stopHeartbeat: () => void = () => {};
  private expiry: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private drained: Promise<void> | undefined;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly metrics: Metrics,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly registry: SessionRegistry,
    private readonly backends: Backends,
    /** Every authenticator the node built (of `auth`, and of endpoints with their own). */
    private readonly authenticators: readonly Authenticator[],
    private readonly rules: { context: HandlerContext; directory: RoleDirectory },
    private readonly api: ApiHandler,
    private readonly amqp: AmqpBridge | undefined,
  ) {}

  /** `build.commit`: the git commit of this build (the CLI reads dist/build-info.json). */
  static async start(
    config: Config,
    log: Logger,
    build: { commit: string | null } = { commit: null },
  ): Promise<PostofficeNode> {
    const startedAt = Date.now();
    const nodeId = `${hostname()}-${process.pid}`;
    const report = config.metrics.enabled
      ? new PromMetrics({
          processMetrics: config.metrics.processMetrics,
          build: { version: VERSION, commit: build.commit ?? "unknown", node: process.version },
        })
      : undefined;
    const metrics: Metrics = report ?? new NoMetrics();
    const { authenticator, jwt } = await buildAuthenticator(
      config.auth,
      config.server.dataDir,
      log,
    );
    const endpointAuthenticators = await buildEndpointAuthenticators(config, log);
    let backendsUp = true;
    // Every Redis connection of a network node, not only some [NET-3].
    const backends = await buildBackends(config, log, metrics, (up) => {
      backendsUp = up;
    });
    const { store, broker } = backends;
    secureDataDir(config.server.dataDir, config.mailbox.sqlite.file, log);
    const registry = new SessionRegistry(broker);
    // What happens here, for exporters (the AMQP bridge); a listener that throws is a bug.
    const activity = new LocalActivityFeed((error, event) =>
      log.error({ err: error, kind: event.kind }, "an activity listener failed"),
    );
    // Per mail or per frame, so a client can cause them again and again [LIMIT-4].
    const throttle = new LogThrottle(log);
    const router = new Router(
      store,
      broker,
      metrics,
      (error, user) =>
        throttle.warn(
          "live_delivery_failed",
          { err: String(error), user },
          "live delivery failed; the mail waits in the mailbox",
        ),
      { activity, admission: mailAdmission(config, store, backends.knownUsers, metrics, throttle) },
    );
    const rooms = new RoomRouter(
      broker,
      backends.presence,
      backends.roomLog,
      new LocalRooms(broker),
      config.rooms.settings,
      config.rooms,
      metrics,
      Date.now,
      activity,
    );
    const directory = seededRoleDirectory(config);
    const permissions = new Permissions(config.permissions, directory);
    const counters: EventCounters = {
      accepted: (event) => metrics.eventAccepted(event),
      refused: (event, code) => metrics.eventRefused(event, code),
    };
    const events = await buildEventEngine(
      config,
      {
        rateLimits: backends.rateLimits,
        tokens: jwt === undefined ? undefined : tokenVerifierOf(jwt),
      },
      { log, counters, activity },
    );
    metrics.eventsDeclared(events.events);
    const lifecycle = new SessionLifecycle(
      {
        registry,
        router,
        rooms,
        directory: remembering(directory, backends.knownUsers),
        metrics,
        throttle,
      },
      {
        maxSessionsPerUser: config.limits.maxSessionsPerUser,
        authTimeoutMs: config.auth.timeoutMs,
        version: VERSION,
        nodeId,
        heartbeatMs: config.server.heartbeat.intervalMs,
      },
    );
    const validateMessage =
      config.validation.message === undefined
        ? undefined
        : compileUserSchema(config.validation.message);
    const context: HandlerContext = {
      router,
      rooms,
      notices: new NoticeRouter(broker),
      permissions,
      events,
      lifecycle,
      log,
      throttle,
      validateMessage,
    };
    const handleFrame = createFrameHandler(context);
    let node: PostofficeNode | undefined;
    // Ready only while the shared backends are reachable: a load balancer then sends new
    // clients to nodes that can keep their mail [NET-3]. /ready also follows the mailbox store's
    // writes [OPS-2], but a node whose disk is full still lets clients in to read their mail.
    const state = (): NodeState => {
      const own = node?.state ?? "starting";
      return own === "ready" && !backendsUp ? "unavailable" : own;
    };
    const userSessions = new UserSessions(registry, broker, nodeId, (error) =>
      throttle.warn(
        "claim_announce_failed",
        { err: String(error) },
        "telling the other nodes of a connection that replaces theirs failed",
      ),
    );
    const writtenAcks = new WrittenAcks(
      (userId, seq) => router.ack(userId, seq, "delivered"),
      (error, user) =>
        throttle.warn(
          "ack_on_write_failed",
          { err: String(error), user },
          "acknowledging written mail failed",
        ),
    );
    const { api, amqp, chatQueue, readyDetails } = buildBackendEntries(config, {
      context,
      events,
      validateMessage,
      backends,
      sessions: userSessions,
      activity,
      metrics,
      nodeId,
      version: VERSION,
      ready: () => state() === "ready",
      log,
    });
    const { http, wss } = buildGateway(config, {
      authenticator,
      endpointAuthenticators,
      lifecycle,
      registry,
      metrics,
      report,
      log,
      throttle,
      handleFrame,
      acknowledge: writtenAcks.written,
      acksSettled: (userId) => writtenAcks.settled(userId),
      announceClaim: userSessions.announce,
      state,
      storeWrites: () => store.accepting,
      version: VERSION,
      nodeId,
      startedAt,
      mailboxesWaiting: () => store.waitingMailboxes(),
      api: api.handle,
      statsAccess: statsAccess(config.server.host, api, metricsGuard(config.metrics)),
      ...(chatQueue === undefined ? {} : { chatQueue }),
      ...(readyDetails === undefined ? {} : { readyDetails }),
    });
    node = new PostofficeNode(
      config,
      log,
      metrics,
      http,
      wss,
      registry,
      backends,
      [authenticator, ...endpointAuthenticators.filter((built) => built !== undefined)],
      { context, directory },
      api,
      amqp,
    );
    await listen(http, config.server.port, config.server.host);
    if (config.redis.url !== "") log.info("waiting for redis");
    await backends.ready();
    await registry.followBroadcasts();
    await userSessions.follow();
    const refresh = backends.refreshPresence;
    if (refresh !== undefined) {
      node.presenceTimer = setInterval(() => {
        refresh(presenceEntries(registry)).catch((error: unknown) =>
          log.warn({ err: error }, "presence refresh failed"),
        );
      }, backends.presenceTtlMs / 3);
      node.presenceTimer.unref();
    }
    node.stopHeartbeat = startHeartbeat(registry, metrics, config.server.heartbeat.intervalMs);
    node.expiry = setInterval(() => {
      router.expire().catch((error: unknown) => log.error({ err: error }, "mailbox expiry failed"));
    }, config.mailbox.expireIntervalMs);
    node.expiry.unref();
    node.state = "ready";
    const openMetrics = openMetricsWarning(config.metrics, config.server.host);
    if (openMetrics !== undefined) log.warn({ host: config.server.host }, openMetrics);
    // After ready: mail from the queue meets a node that takes it. Connecting goes on in the
    // background, for ever, with backoff.
    await amqp?.start();
    if (config.auth.anonymous.enabled) {
      log.warn(
        "ANONYMOUS MODE IS ON: anyone can connect and pick any user name. Development only; never expose this server.",
      );
    }
    const { host, path } = config.server;
    const urls = publicUrls({ host, port: node.port, path, metrics: config.metrics.enabled });
    log.info(
      { ...urls, version: VERSION, startupMs: Date.now() - startedAt },
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

  /** The declared events this node runs. */
  get events(): EventEngine {
    return this.rules.context.events;
  }

  /**
   * Takes the events, plug-ins and permissions of a configuration loaded again (SIGHUP): all
   * of them or, if any cannot be used, none (the old rules stay, and the problems are
   * returned). Connections stay open; events in flight finish on the rules they started with,
   * later frames meet the new ones. Other keys need a restart: those that changed are named.
   */
  async reload(next: Config): Promise<RulesReload> {
    const built = await this.events.compile(eventsOptions(next));
    if (!built.ok) {
      return { ok: false, problems: built.problems.map((p) => `${p.pointer}: ${p.message}`) };
    }
    let permissions: Permissions;
    try {
      permissions = new Permissions(next.permissions, this.rules.directory);
    } catch (error) {
      return { ok: false, problems: [(error as Error).message] };
    }
    // One turn, no await: no frame can meet the new events with the old permissions.
    this.events.use(built.rules);
    this.rules.context.permissions = permissions;
    this.metrics.eventsDeclared([...built.rules.events.keys()]);
    return {
      ok: true,
      events: built.rules.events.size,
      restartNeeded: changedSections(this.config, next),
    };
  }

  /**
   * Graceful stop [OPS-1]: refuse new connections, answer every frame the sessions have read
   * (frames read after this are refused `server_shutdown`), then close each with 1001 and the
   * reconnect window; cut what remains at the deadline.
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
    clearInterval(this.presenceTimer);
    const open = this.registry.size;
    this.log.info({ sessions: open, drainTimeoutMs, reconnectWindowMs }, "draining");
    const reason: GoingAwayReason = {
      code: "server_shutdown",
      reconnectWithinMs: reconnectWindowMs,
    };
    const reasonText = JSON.stringify(reason);
    for (const session of [...this.registry.sessions()])
      session.closeAfterReplies(CLOSE_CODES.goingAway, reasonText);
    while (this.registry.size > 0 && Date.now() < deadline) await sleep(20);
    const cut = this.registry.size;
    for (const session of [...this.registry.sessions()]) session.terminate();
    // Backends' requests in flight get their answers (the store is still open) before the
    // HTTP connections close; new ones have been answered 503 since the drain began.
    const remaining = Math.max(0, deadline - Date.now());
    await Promise.race([this.api.settled(), delay(remaining, undefined, { ref: false })]);
    // Before the store closes: mail it is taking is accepted and acknowledged, the rest goes
    // back to the queue; events so far (the sessions' leaves included) wait in its outbox.
    await this.amqp?.close();
    const closedHttp = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closedHttp;
    this.wss.close();
    await Promise.all([
      ...this.authenticators.map((authenticator) => authenticator.close?.()),
      this.backends.close(),
    ]);
    this.log.info({ closed: open - cut, cut }, "drained");
  }
}

/** What a reload takes; every other top-level key is read once, at start. */
const RELOADED: ReadonlySet<string> = new Set(["events", "plugins", "permissions"]);

/** The top-level keys, other than the reloaded ones, whose value differs. */
function changedSections(current: Config, next: Config): string[] {
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  return [...keys].filter(
    (key) =>
      !RELOADED.has(key) &&
      JSON.stringify(current[key as keyof Config]) !== JSON.stringify(next[key as keyof Config]),
  );
}

/** This node's sessions in their rooms, for the presence refresh. */
function* presenceEntries(registry: SessionRegistry): Generator<PresenceEntry> {
  for (const session of registry.sessions()) {
    const userId = session.identity?.userId;
    if (userId === undefined) continue;
    for (const room of session.roomList()) yield { room, userId, sessionId: session.id };
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
