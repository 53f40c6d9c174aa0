import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import type { Admission } from "../dialects/dialect.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { ConnectionCaps } from "./connection-caps.js";
import type { Endpoint } from "./endpoint.js";
import type { EndpointTable } from "./endpoint-table.js";
import type { NodeState } from "./http-routes.js";
import type { createOriginPolicy } from "./origin-policy.js";
import { jsonRefusal, refuseUpgrade, type UpgradeRefusal } from "./refuse-upgrade.js";
import type { OpenSession } from "./session-sockets.js";

export interface UpgradeDeps {
  wss: WebSocketServer;
  endpoints: EndpointTable;
  open: OpenSession;
  metrics: Metrics;
  log: Logger;
  throttle: LogThrottle;
  originPolicy: ReturnType<typeof createOriginPolicy>;
  caps: ConnectionCaps;
  state: () => NodeState;
}

/**
 * The counter: takes an HTTP upgrade to a session. The gateway's own checks come first, with
 * HTTP answers: path (which picks the endpoint and its dialect, endpoint-table.ts), readiness, origin, connection
 * caps. Then the dialect admits the client from its handshake (an identity, in-band auth to
 * come, or its own refusal), and the upgrade completes unless the node began draining.
 */
export function createUpgradeHandler(deps: UpgradeDeps) {
  const { log, metrics } = deps;

  function refuse(socket: Duplex, reason: string, refusal: UpgradeRefusal): void {
    metrics.connectionRefused(reason);
    const address = "remoteAddress" in socket ? socket.remoteAddress : undefined;
    deps.throttle.warn(reason, { status: refusal.status, address }, "connection refused");
    refuseUpgrade(socket, refusal);
  }

  function refuseWith(socket: Duplex, status: number, code: string, message: string): void {
    refuse(socket, code, jsonRefusal(status, code, message));
  }

  /** The gateway's checks before the dialect admits anyone; true when the client may go on. */
  function admissible(req: IncomingMessage, socket: Duplex, cookieLogin: boolean): boolean {
    const origin = deps.originPolicy(req, cookieLogin);
    if (origin === "origin_not_allowed") {
      refuseWith(socket, 403, origin, "This origin may not connect (server.allowedOrigins).");
      return false;
    }
    if (origin === "cross_origin") {
      const message = "A cookie-authenticated connection must come from the same origin.";
      refuseWith(socket, 403, origin, message);
      return false;
    }
    const address = clientAddress(req);
    const capped = deps.caps.refusal(address);
    if (capped === "too_many_connections") {
      const message = "The server holds as many connections as it may; retry later.";
      refuseWith(socket, 503, capped, message);
      return false;
    }
    if (capped === "too_many_connections_from_address") {
      refuseWith(socket, 429, capped, "Too many connections from your address.");
      return false;
    }
    // The place is taken now, before the (async) credential check, so that a burst of
    // handshakes cannot all pass the caps together [LIMIT-3]; it is given back once, when the
    // socket closes, whether or not the upgrade completed.
    holdPlace(socket, deps.caps, address);
    return true;
  }

  /** Upgrades once the dialect has admitted the client, unless the node began draining. */
  function complete(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: Endpoint,
    admission: Admission,
  ): void {
    const dialect = endpoint.sessions.dialect;
    if (admission.kind === "refused") {
      refuse(socket, admission.reason, admission);
      return;
    }
    if (deps.state() !== "ready") {
      dialect.release(admission.state);
      refuseWith(socket, 503, "not_ready", "The server is draining; retry shortly.");
      return;
    }
    let opened = false;
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      deps.open(ws, socket, endpoint.sessions, admission);
    });
    // ws refused the handshake itself (and answered it): what the dialect took is given back.
    if (!opened) dialect.release(admission.state);
  }

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The listeners that live as long as the socket are made outside this function: a closure
    // made here would keep its whole scope (the request, its headers, the bytes it came in)
    // alive for the life of the connection.
    socket.on("error", onUpgradeError);
    const endpoint = deps.endpoints.find(req.url);
    if (endpoint === undefined) {
      refuseWith(socket, 404, "not_found", `WebSocket endpoint is ${deps.endpoints.paths}.`);
      return;
    }
    if (deps.state() !== "ready") {
      refuseWith(socket, 503, "not_ready", "The server is starting or draining; retry shortly.");
      return;
    }
    const dialect = endpoint.sessions.dialect;
    const credential = dialect.credential(req);
    if (!admissible(req, socket, credential?.source === "cookie")) return;
    const admission = dialect.admit(req, credential);
    if (admission instanceof Promise) {
      admission
        .then((admitted) => complete(req, socket, head, endpoint, admitted))
        .catch((error: unknown) => {
          log.error({ err: error }, "upgrade failed");
          socket.destroy();
        });
    } else {
      complete(req, socket, head, endpoint, admission);
    }
  };

  function onUpgradeError(error: Error): void {
    log.debug({ err: error }, "socket error during upgrade");
  }
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
