import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { WebSocketServer } from "ws";
import type { Authenticator } from "../auth/authenticator.js";
import type { Config } from "../config/config.js";
import type { ChatQueue, DialectContext, DialectName } from "../dialects/dialect.js";
import { createDialect } from "../dialects/registry.js";
import { ConnectionCaps } from "../gateway/connection-caps.js";
import { ConnectionSuccession } from "../gateway/connection-succession.js";
import type { Endpoint } from "../gateway/endpoint.js";
import { EndpointTable } from "../gateway/endpoint-table.js";
import { createFrameIntake } from "../gateway/frame-intake.js";
import {
  createHttpRoutes,
  type HttpRouteDeps,
  isHttpRoute,
  type NodeState,
} from "../gateway/http-routes.js";
import { createMetricsAccess } from "../gateway/metrics-access.js";
import { createOriginPolicy } from "../gateway/origin-policy.js";
import { readLimits } from "../gateway/read-limits.js";
import { createSessionSockets } from "../gateway/session-sockets.js";
import { createStats } from "../gateway/stats.js";
import { UnauthenticatedConnections } from "../gateway/unauthenticated-connections.js";
import { createUpgradeHandler } from "../gateway/upgrade-handler.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { Metrics, MetricsReport } from "../metrics/metrics.js";
import type { Claim } from "../session/connection-claims.js";
import type { FrameHandler, Session } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { SessionRegistry } from "../session/session-registry.js";
import { UserRateLimits } from "../session/user-rate-limits.js";
import { WriteBatcher } from "../wire/write-batcher.js";
import { defaultDialect } from "./default-dialect.js";

export interface GatewayParts {
  /** The authenticators of `auth`, for `server.path` and each endpoint without its own. */
  authenticator: Authenticator;
  /** Those of each `endpoints[i].auth`, by index; undefined where it has none. */
  endpointAuthenticators: readonly (Authenticator | undefined)[];
  lifecycle: SessionLifecycle;
  registry: SessionRegistry;
  metrics: Metrics;
  /** What `/metrics` and `/api/stats` read; undefined when metrics are off (both answer 404). */
  report: MetricsReport | undefined;
  log: Logger;
  /** Every line a client can cause goes through it [LIMIT-4]. */
  throttle: LogThrottle;
  handleFrame: FrameHandler;
  /** Acknowledges a user's mailbox up to a sequence, for dialects whose clients never `ack`. */
  acknowledge: (userId: string, seq: number) => void;
  /** Resolves once what was written to the user is acknowledged (one connection per key). */
  acksSettled: (userId: string) => Promise<void>;
  /** Tells the other nodes that a connection here took a key (UserSessions.announce). */
  announceClaim?: (claim: Claim) => void;
  state: () => NodeState;
  /** Whether the mailbox store writes now: /ready only (HttpRouteDeps.storeWrites). */
  storeWrites?: () => boolean;
  version: string;
  nodeId: string;
  startedAt: number;
  /** For the dashboard: how many mailboxes wait for their owner. */
  mailboxesWaiting?: () => Promise<number>;
  /** More of `/ready`'s body (http-routes.ts). */
  readyDetails?: () => Record<string, string>;
  /** The server API, under /api/v1/. */
  api?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Who may read `/api/stats` (api/stats-access.ts); absent: open. */
  statsAccess?: HttpRouteDeps["statsAccess"];
  /** AMQP chat's queue `chat` on the AMQP bridge, when one is configured. */
  chatQueue?: ChatQueue;
}

/** The counter, wired from the configuration: HTTP server, WebSocket upgrade and admission. */
export function buildGateway(
  config: Config,
  parts: GatewayParts,
): { http: Server; wss: WebSocketServer } {
  const { limits } = config;
  const { log, metrics, throttle } = parts;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    ...readLimits(limits),
    // Each endpoint's dialect picks its subprotocol; an upgrade with no endpoint never gets here.
    handleProtocols: (offered, req) =>
      endpoints.find(req.url)?.sessions.dialect.subprotocol(offered) ?? false,
  });
  const http = createServer(
    {
      // Slowloris: a handshake that does not arrive in time is cut; check often enough to matter.
      headersTimeout: limits.handshakeTimeoutMs,
      requestTimeout: limits.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.handshakeTimeoutMs),
    },
    createHttpRoutes({
      version: parts.version,
      nodeId: parts.nodeId,
      startedAt: parts.startedAt,
      state: parts.state,
      storeWrites: parts.storeWrites,
      connections: () => parts.registry.size,
      metrics: parts.report,
      metricsAccess: createMetricsAccess(config.metrics),
      stats: parts.report
        ? createStats({
            metrics: parts.report,
            startedAt: parts.startedAt,
            mailboxesWaiting: parts.mailboxesWaiting,
          })
        : undefined,
      web: {
        wsPath: config.server.path,
        anonymous: config.auth.anonymous.enabled,
        chatRoom: defaultDialect(config) === "broadcast" ? config.chat.room : null,
      },
      ...(parts.api === undefined ? {} : { api: parts.api }),
      ...(parts.statsAccess === undefined ? {} : { statsAccess: parts.statsAccess }),
      ...(parts.readyDetails === undefined ? {} : { readyDetails: parts.readyDetails }),
    }),
  );
  const batcher = new WriteBatcher();
  const userLimits = new UserRateLimits(limits.rate);
  const endpoint = (
    path: string,
    dialect: DialectName,
    authenticator: Authenticator,
  ): Endpoint => ({
    path,
    sessions: {
      dialect: createDialect(dialect, dialectContext(config, log, authenticator, parts.chatQueue)),
      authenticator,
      batcher,
      metrics: metrics.connections(dialect),
      handle: parts.handleFrame,
      onTaskError: (session: Session, error: unknown) => {
        const details = { err: error, session: session.id };
        throttle.error("frame_handler_failed", details, "frame handler failed");
        session.sendError(
          "internal_error",
          "The server failed while handling a frame; it was not accepted.",
        );
      },
      outboundLimit: limits.outboundBufferBytes,
      rate: limits.rate,
      userLimits,
      throttle,
      acknowledge: parts.acknowledge,
    },
  });
  const endpoints = new EndpointTable(
    [
      endpoint(config.server.path, defaultDialect(config), parts.authenticator),
      ...config.endpoints.map(({ path, dialect }, index) =>
        endpoint(path, dialect, parts.endpointAuthenticators[index] ?? parts.authenticator),
      ),
    ],
    isHttpRoute,
  );
  const open = createSessionSockets({
    lifecycle: parts.lifecycle,
    throttle,
    intake: createFrameIntake({ binaryFrames: limits.binaryFrames }),
  });
  http.on(
    "upgrade",
    createUpgradeHandler({
      wss,
      endpoints,
      open,
      metrics,
      throttle,
      originPolicy: createOriginPolicy(config.server.allowedOrigins),
      caps: new ConnectionCaps(limits),
      unauthenticated: new UnauthenticatedConnections(limits.unauthenticated, throttle),
      succession: new ConnectionSuccession({
        registry: parts.registry,
        acksSettled: parts.acksSettled,
        ...(parts.announceClaim === undefined ? {} : { announce: parts.announceClaim }),
      }),
      state: parts.state,
    }),
  );
  return { http, wss };
}

/** What an endpoint's dialect is given: the node's settings, its endpoint's authenticators. */
function dialectContext(
  config: Config,
  log: Logger,
  authenticator: Authenticator,
  chatQueue: ChatQueue | undefined,
): DialectContext {
  const { auth, limits, chat, amqpchat, gopostoffice } = config;
  return {
    authenticator,
    log,
    anonymous: auth.anonymous.enabled,
    tokens: { queryParam: auth.queryParam, cookieName: auth.cookieName },
    limits: { maxDepth: limits.maxNestingDepth, maxStringLength: limits.maxStringLength },
    broadcast: { room: chat.room },
    amqpchat: { authHeader: amqpchat.authHeader, chatQueue },
    gopostoffice,
    permissionNames: config.permissions.names,
  };
}
