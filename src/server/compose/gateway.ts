import { createServer, type Server } from "node:http";
import { WebSocketServer } from "ws";
import type { Authenticator } from "../auth/authenticator.js";
import type { Config } from "../config/config.js";
import { ConnectionCaps } from "../gateway/connection-caps.js";
import { createFrameIntake } from "../gateway/frame-intake.js";
import { selectSubprotocol } from "../gateway/handshake-token.js";
import { createHttpRoutes, type NodeState } from "../gateway/http-routes.js";
import { createOriginPolicy } from "../gateway/origin-policy.js";
import { createStats } from "../gateway/stats.js";
import { type ChatOptions, createUpgradeHandler } from "../gateway/upgrade-handler.js";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { FrameHandler } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { SessionRegistry } from "../session/session-registry.js";
import { UserRateLimits } from "../session/user-rate-limits.js";
import { WriteBatcher } from "../session/write-batcher.js";

export interface GatewayParts {
  authenticator: Authenticator;
  lifecycle: SessionLifecycle;
  registry: SessionRegistry;
  metrics: Metrics;
  log: Logger;
  handleFrame: FrameHandler;
  state: () => NodeState;
  version: string;
  nodeId: string;
  startedAt: number;
  chat: ChatOptions | undefined;
  /** For the dashboard: how many mailboxes wait for their owner. */
  mailboxesWaiting?: () => Promise<number>;
}

/** The counter, wired from the configuration: HTTP server, WebSocket upgrade and admission. */
export function buildGateway(
  config: Config,
  parts: GatewayParts,
): { http: Server; wss: WebSocketServer } {
  const { limits } = config;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: limits.maxFrameBytes,
    handleProtocols: (offered) => selectSubprotocol(offered),
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
      connections: () => parts.registry.size,
      metrics: config.metrics.enabled ? parts.metrics : undefined,
      stats: config.metrics.enabled
        ? createStats({
            metrics: parts.metrics,
            startedAt: parts.startedAt,
            mailboxesWaiting: parts.mailboxesWaiting,
          })
        : undefined,
      web: {
        wsPath: config.server.path,
        anonymous: config.auth.anonymous.enabled,
        chatRoom: parts.chat?.room ?? null,
      },
    }),
  );
  const throttle = new LogThrottle(parts.log);
  const intake = createFrameIntake(
    {
      maxNestingDepth: limits.maxNestingDepth,
      maxStringLength: limits.maxStringLength,
      binaryFrames: limits.binaryFrames,
      chatRoom: parts.chat?.room,
    },
    {
      metrics: parts.metrics,
      userLimits: new UserRateLimits(limits.rate),
      throttle,
    },
  );
  http.on(
    "upgrade",
    createUpgradeHandler(
      {
        path: config.server.path,
        authTimeoutMs: config.auth.timeoutMs,
        queryParam: config.auth.queryParam,
        cookieName: config.auth.cookieName,
        anonymous: config.auth.anonymous.enabled,
        outboundBufferBytes: limits.outboundBufferBytes,
        rate: limits.rate,
      },
      {
        wss,
        authenticator: parts.authenticator,
        lifecycle: parts.lifecycle,
        registry: parts.registry,
        batcher: new WriteBatcher(),
        metrics: parts.metrics,
        log: parts.log,
        throttle,
        handleFrame: parts.handleFrame,
        intake,
        originPolicy: createOriginPolicy(config.server.allowedOrigins),
        caps: new ConnectionCaps(limits),
        state: parts.state,
        chat: parts.chat,
      },
    ),
  );
  return { http, wss };
}
