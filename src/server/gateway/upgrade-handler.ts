import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { CLOSE_CODES } from "../../protocol/index.js";
import { AuthError, type Authenticator, toAuthError } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import { createTextRenderer } from "../dialects/broadcast-text.js";
import { type ChatNames, checkName } from "../dialects/chat-names.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { RateLimiter, type RateLimits } from "../session/rate-limiter.js";
import { type FrameHandler, Session } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { SessionRegistry } from "../session/session-registry.js";
import type { WriteBatcher } from "../session/write-batcher.js";
import type { ConnectionCaps } from "./connection-caps.js";
import type { createFrameIntake } from "./frame-intake.js";
import {
  anonymousName,
  type HandshakeToken,
  handshakeSince,
  handshakeToken,
} from "./handshake-token.js";
import type { NodeState } from "./http-routes.js";
import type { createOriginPolicy } from "./origin-policy.js";
import { refuseUpgrade } from "./refuse-upgrade.js";

export interface UpgradeOptions {
  path: string;
  authTimeoutMs: number;
  queryParam: string;
  cookieName: string;
  anonymous: boolean;
  outboundBufferBytes: number;
  rate: RateLimits;
}

export interface UpgradeDeps {
  wss: WebSocketServer;
  authenticator: Authenticator;
  lifecycle: SessionLifecycle;
  registry: SessionRegistry;
  batcher: WriteBatcher;
  metrics: Metrics;
  log: Logger;
  throttle: LogThrottle;
  handleFrame: FrameHandler;
  intake: ReturnType<typeof createFrameIntake>;
  originPolicy: ReturnType<typeof createOriginPolicy>;
  caps: ConnectionCaps;
  state: () => NodeState;
  chat: ChatOptions | undefined;
}

type Admission =
  | { identity: Identity; chatName?: string }
  | { refusal: AuthError }
  | { badName: string }
  | { pending: true };

/** Chat mode (the Broadcast Server's model): unique display names, text clients. */
export interface ChatOptions {
  room: string;
  names: ChatNames;
}

/**
 * The counter: takes an HTTP upgrade to a session. Path, readiness, origin and connection
 * caps are checked first, with HTTP answers. Credentials offered in the handshake are checked
 * before the upgrade completes, but a refusal is told over the WebSocket (error frame, then
 * close 4401) because a browser cannot read a refused handshake [AUTH-1].
 */
export function createUpgradeHandler(options: UpgradeOptions, deps: UpgradeDeps) {
  const { log, metrics } = deps;

  const renderText = deps.chat === undefined ? undefined : createTextRenderer(deps.chat.room);

  function onTaskError(session: Session, error: unknown): void {
    log.error({ err: error, session: session.id }, "frame handler failed");
    session.sendError(
      "internal_error",
      "The server failed while handling a frame; it was not accepted.",
    );
  }

  function refuse(socket: Duplex, status: number, code: string, message: string): void {
    metrics.connectionsRefused.inc({ reason: code });
    const address = "remoteAddress" in socket ? socket.remoteAddress : undefined;
    deps.throttle.warn(code, { status, address }, "connection refused");
    refuseUpgrade(socket, status, code, message);
  }

  function admit(
    req: IncomingMessage,
    offered: HandshakeToken | undefined,
  ): Admission | Promise<Admission> {
    if (offered) {
      return deps.authenticator.authenticate({ token: offered.token }).then(
        (identity): Admission => ({ identity }),
        (error: unknown): Admission => {
          if (!(error instanceof AuthError)) log.error({ err: error }, "authenticator failed");
          return { refusal: toAuthError(error) };
        },
      );
    }
    if (options.anonymous) {
      const asked = anonymousName(req);
      if (deps.chat === undefined) {
        const name = asked ?? `anon-${randomUUID().slice(0, 8)}`;
        return { identity: { userId: name, roles: [], claims: {}, anonymous: true } };
      }
      const checked = checkName(asked ?? "guest");
      if (!checked.ok) return { badName: checked.message };
      const name = deps.chat.names.claim(checked.name);
      const claims = name === checked.name ? {} : { requestedName: checked.name };
      return { identity: { userId: name, roles: [], claims, anonymous: true }, chatName: name };
    }
    return { pending: true };
  }

  function open(
    ws: WebSocket,
    socket: Duplex,
    admission: Admission,
    since: number | undefined | null,
  ): void {
    const session = new Session(ws, socket, {
      batcher: deps.batcher,
      metrics,
      handle: deps.handleFrame,
      onTaskError,
      outboundLimit: options.outboundBufferBytes,
      rateLimiter: new RateLimiter(options.rate),
    });
    deps.registry.add(session);
    if ("chatName" in admission) session.chatName = admission.chatName;
    // Clients that did not ask for the native protocol read the chat as text lines.
    if (deps.chat !== undefined && ws.protocol === "") session.render = renderText;
    metrics.connections.inc();
    listen(ws, session);

    if (since === null) {
      session.sendError(
        "invalid_field",
        "`since` must be a non-negative integer; resuming from the last acknowledged mail.",
        {
          field: "since",
        },
      );
    }
    if ("identity" in admission) {
      const resume = since === null || since === undefined ? {} : { since };
      // In the frame queue, so that an `auth` frame sent at once waits for this start.
      session.enqueue(() =>
        deps.lifecycle
          .authenticated(session, admission.identity, resume)
          .catch((error: unknown) => deps.lifecycle.failedToStart(session, error)),
      );
    } else if ("refusal" in admission) {
      deps.lifecycle.refused(session, admission.refusal);
    } else if ("badName" in admission) {
      session.sendError("invalid_field", admission.badName, { field: "username" });
      session.close(CLOSE_CODES.badRequest, "invalid_username");
    } else {
      session.authTimer = setTimeout(() => {
        if (session.identity) return;
        metrics.authFailures.inc({ reason: "auth_timeout" });
        session.sendError("unauthorized", `No authentication within ${options.authTimeoutMs} ms.`, {
          reason: "auth_timeout",
        });
        session.close(CLOSE_CODES.authTimeout, "auth_timeout");
      }, options.authTimeoutMs);
    }
  }

  // The connection's listeners are made once for all connections (each finds its session by
  // its WebSocket): a closure per connection would cost memory on every idle connection.
  const sessionOf = new WeakMap<WebSocket, Session>();

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    // Nothing a client sends may throw out of this listener: that would end the process.
    try {
      deps.intake(session, data, isBinary);
    } catch (error) {
      onTaskError(session, error);
    }
  }

  function onPong(this: WebSocket): void {
    const session = sessionOf.get(this);
    if (session !== undefined) session.awaitingPong = false;
  }

  function onError(this: WebSocket, error: Error): void {
    log.debug({ err: error, session: sessionOf.get(this)?.id }, "websocket error");
  }

  function onClose(this: WebSocket, code: number): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    metrics.connections.dec();
    metrics.disconnects.inc({ code: String(code) });
    deps.lifecycle.closed(session);
  }

  function listen(ws: WebSocket, session: Session): void {
    sessionOf.set(ws, session);
    ws.on("message", onMessage);
    ws.on("pong", onPong);
    ws.on("error", onError);
    ws.on("close", onClose);
  }

  function onUpgradeError(error: Error): void {
    log.debug({ err: error }, "socket error during upgrade");
  }

  /** Upgrades once the credentials (if any) are checked, unless the node began draining. */
  function complete(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    admission: Admission,
  ): void {
    if (deps.state() !== "ready") {
      refuse(socket, 503, "not_ready", "The server is draining; retry shortly.");
      return;
    }
    const since = handshakeSince(req);
    deps.wss.handleUpgrade(req, socket, head, (ws) => open(ws, socket, admission, since));
  }

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The listeners that live as long as the socket are made outside this function: a closure
    // made here would keep its whole scope (the request, its headers, the bytes it came in)
    // alive for the life of the connection.
    socket.on("error", onUpgradeError);
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== options.path) {
      refuse(socket, 404, "not_found", `WebSocket endpoint is ${options.path}.`);
      return;
    }
    if (deps.state() !== "ready") {
      refuse(socket, 503, "not_ready", "The server is starting or draining; retry shortly.");
      return;
    }
    const offered = handshakeToken(req, options);
    const origin = deps.originPolicy(req, offered?.source === "cookie");
    if (origin === "origin_not_allowed") {
      refuse(socket, 403, origin, "This origin may not connect (server.allowedOrigins).");
      return;
    }
    if (origin === "cross_origin") {
      refuse(
        socket,
        403,
        origin,
        "A cookie-authenticated connection must come from the same origin.",
      );
      return;
    }
    const address = clientAddress(req);
    const capped = deps.caps.refusal(address);
    if (capped === "too_many_connections") {
      refuse(socket, 503, capped, "The server holds as many connections as it may; retry later.");
      return;
    }
    if (capped === "too_many_connections_from_address") {
      refuse(socket, 429, capped, "Too many connections from your address.");
      return;
    }
    // The place is taken now, before the (async) credential check, so that a burst of
    // handshakes cannot all pass the caps together [LIMIT-3]; it is given back once, when the
    // socket closes, whether or not the upgrade completed.
    holdPlace(socket, deps.caps, address);
    const admission = admit(req, offered);
    if (admission instanceof Promise) {
      admission
        .then((admitted) => complete(req, socket, head, admitted))
        .catch((error: unknown) => {
          log.error({ err: error }, "upgrade failed");
          socket.destroy();
        });
    } else {
      complete(req, socket, head, admission);
    }
  };
}

function holdPlace(socket: Duplex, caps: ConnectionCaps, address: string): void {
  caps.opened(address);
  socket.once("close", () => caps.closed(address));
}

/** The client's address; an IPv4 client seen through an IPv6 socket counts as its IPv4 address. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
