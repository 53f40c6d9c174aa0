import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { CLOSE_CODES, decodeClientFrame } from "../../protocol/index.js";
import { AuthError, type Authenticator } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { type FrameHandler, Session } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { SessionRegistry } from "../session/session-registry.js";
import type { WriteBatcher } from "../session/write-batcher.js";
import { anonymousName, handshakeSince, handshakeToken } from "./handshake-token.js";
import type { NodeState } from "./http-routes.js";

export interface UpgradeOptions {
  path: string;
  authTimeoutMs: number;
  queryParam: string;
  cookieName: string;
  anonymous: boolean;
  maxNestingDepth: number;
  outboundBufferBytes: number;
}

export interface UpgradeDeps {
  wss: WebSocketServer;
  authenticator: Authenticator;
  lifecycle: SessionLifecycle;
  registry: SessionRegistry;
  batcher: WriteBatcher;
  metrics: Metrics;
  log: Logger;
  handleFrame: FrameHandler;
  state: () => NodeState;
}

type Admission = { identity: Identity } | { refusal: AuthError } | { pending: true };

/**
 * The counter: takes an HTTP upgrade to a session. Credentials offered in the handshake are
 * checked before the upgrade completes, but a refusal is still told over the WebSocket
 * (error frame, then close 4401) because a browser cannot read a refused handshake [AUTH-1].
 */
export function createUpgradeHandler(options: UpgradeOptions, deps: UpgradeDeps) {
  const { log, metrics } = deps;

  function onTaskError(session: Session, error: unknown): void {
    log.error({ err: error, session: session.id }, "frame handler failed");
    session.sendError(
      "internal_error",
      "The server failed while handling a frame; it was not accepted.",
    );
  }

  function admit(req: IncomingMessage): Admission | Promise<Admission> {
    const offered = handshakeToken(req, options);
    if (offered) {
      return deps.authenticator.authenticate({ token: offered.token }).then(
        (identity): Admission => ({ identity }),
        (error: unknown): Admission => {
          if (error instanceof AuthError) return { refusal: error };
          log.error({ err: error }, "authenticator failed");
          return {
            refusal: new AuthError("auth_unavailable", "Authentication failed unexpectedly.", {
              cause: error,
            }),
          };
        },
      );
    }
    if (options.anonymous) {
      const name = anonymousName(req) ?? `anon-${randomUUID().slice(0, 8)}`;
      return { identity: { userId: name, roles: [], claims: {}, anonymous: true } };
    }
    return { pending: true };
  }

  function open(
    ws: WebSocket,
    socket: Duplex,
    admission: Admission,
    since: number | undefined | null,
  ): void {
    const session = new Session(
      ws,
      socket,
      deps.batcher,
      metrics,
      deps.handleFrame,
      onTaskError,
      options.outboundBufferBytes,
    );
    deps.registry.add(session);
    metrics.connections.inc();
    ws.on("message", (data, isBinary) => {
      session.awaitingPong = false;
      // Nothing a client sends may throw out of this listener: that would end the process.
      try {
        if (isBinary) {
          metrics.framesIn.inc({ type: "invalid" });
          session.receive({
            ok: false,
            code: "invalid_frame",
            message: "Binary frames are not accepted; send JSON text frames.",
          });
          return;
        }
        const decoded = decodeClientFrame(data.toString(), { maxDepth: options.maxNestingDepth });
        metrics.framesIn.inc({ type: decoded.ok ? decoded.frame.type : "invalid" });
        session.receive(decoded);
      } catch (error) {
        onTaskError(session, error);
      }
    });
    ws.on("pong", () => {
      session.awaitingPong = false;
    });
    ws.on("error", (error) => log.debug({ err: error, session: session.id }, "websocket error"));
    ws.on("close", () => {
      metrics.connections.dec();
      deps.lifecycle.closed(session);
    });

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

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", (error) => log.debug({ err: error }, "socket error during upgrade"));
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== options.path) {
      refuseUpgrade(socket, 404, "not_found", `WebSocket endpoint is ${options.path}.`);
      return;
    }
    if (deps.state() !== "ready") {
      refuseUpgrade(socket, 503, "not_ready", "The server is starting or draining; retry shortly.");
      return;
    }
    if (handshakeToken(req, options)?.source === "cookie" && !sameOrigin(req)) {
      // Browsers send cookies with cross-site WebSocket upgrades; without this check any page
      // could open a socket as the signed-in user [AUTH-4].
      refuseUpgrade(
        socket,
        403,
        "cross_origin",
        "A cookie-authenticated connection must come from the same origin.",
      );
      return;
    }
    const complete = (admission: Admission): void => {
      if (deps.state() !== "ready") {
        refuseUpgrade(socket, 503, "not_ready", "The server is draining; retry shortly.");
        return;
      }
      deps.wss.handleUpgrade(req, socket, head, (ws) =>
        open(ws, socket, admission, handshakeSince(req)),
      );
    };
    const admission = admit(req);
    if (admission instanceof Promise) void admission.then(complete);
    else complete(admission);
  };
}

const STATUS_TEXT: Record<number, string> = {
  403: "Forbidden",
  404: "Not Found",
  503: "Service Unavailable",
};

/** No Origin (not a browser) or an Origin whose host is the Host the request was sent to. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Answers a refused upgrade with an HTTP status and a JSON body, then closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  const statusText = STATUS_TEXT[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${status === 503 ? "Retry-After: 1\r\n" : ""}\r\n${body}`,
  );
}
