import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import type { Admission, CredentialSource, HandshakeCredential } from "../dialects/dialect.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Metrics } from "../metrics/metrics.js";
import { clientAddress } from "../wire/client-address.js";
import type { ConnectionCaps } from "./connection-caps.js";
import { type ConnectionSuccession, claimOf } from "./connection-succession.js";
import type { Endpoint } from "./endpoint.js";
import type { EndpointTable } from "./endpoint-table.js";
import type { NodeState } from "./http-routes.js";
import type { createOriginPolicy } from "./origin-policy.js";
import { jsonRefusal, refuseUpgrade, type UpgradeRefusal } from "./refuse-upgrade.js";
import type { OpenSession } from "./session-sockets.js";
import type { UnauthenticatedConnections } from "./unauthenticated-connections.js";

export interface UpgradeDeps {
  wss: WebSocketServer;
  endpoints: EndpointTable;
  open: OpenSession;
  metrics: Metrics;
  /** Every line a client can cause goes through it [LIMIT-4]. */
  throttle: LogThrottle;
  originPolicy: ReturnType<typeof createOriginPolicy>;
  caps: ConnectionCaps;
  unauthenticated: UnauthenticatedConnections;
  /** One connection per key, for dialects whose admissions `supersede`. */
  succession: ConnectionSuccession;
  state: () => NodeState;
}

/**
 * The counter: takes an HTTP upgrade to a session. The gateway's own checks come first, with
 * HTTP answers: path (which picks the endpoint and its dialect, endpoint-table.ts), readiness, origin, connection
 * caps. Then the dialect admits the client from its handshake (an identity, in-band auth to
 * come, or its own refusal); a client without an identity must find a place among the
 * unauthenticated [LIMIT-7]; and the upgrade completes unless the node began draining.
 */
export function createUpgradeHandler(deps: UpgradeDeps) {
  const { throttle, metrics } = deps;

  function refuse(socket: Duplex, reason: string, refusal: UpgradeRefusal): void {
    metrics.connectionRefused(reason);
    const address = "remoteAddress" in socket ? socket.remoteAddress : undefined;
    throttle.warn(reason, { status: refusal.status, address }, "connection refused");
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
    const capped = deps.caps.refusal(socket);
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
    // socket closes, whether or not the upgrade completed. Without caps, nothing is counted.
    if (deps.caps.counts) {
      deps.caps.opened(socket);
      socket.on("close", givePlaceBack);
    }
    return true;
  }

  /** Why a client without an identity finds no place among the unauthenticated [LIMIT-7]. */
  function refuseUnauthenticated(socket: Duplex): boolean {
    const capped = deps.unauthenticated.refusal(socket);
    if (capped === "too_many_unauthenticated") {
      const message =
        "The server holds as many unauthenticated connections as it may: send the token in the handshake, or retry later.";
      refuseWith(socket, 503, capped, message);
      return true;
    }
    if (capped === "too_many_unauthenticated_from_address") {
      refuseWith(socket, 429, capped, "Too many unauthenticated connections from your address.");
      return true;
    }
    return false;
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
    // Not identified: in-band auth to come, or a refusal to tell over the WebSocket. Either
    // way the connection holds a place among the unauthenticated until it authenticates or
    // closes; taken here, with no await before the upgrade, so a burst cannot pass the caps.
    const identified = admission.kind === "identified";
    if (!identified && refuseUnauthenticated(socket)) {
      dialect.release(admission.state);
      return;
    }
    // One connection per key: checked here and taken in the upgrade below, in the same turn.
    const supersede = identified ? admission.supersede : undefined;
    const claim = supersede === undefined ? undefined : claimOf(dialect.name, supersede);
    if (supersede !== undefined && claim !== undefined && deps.succession.refuses(claim)) {
      dialect.release(admission.state);
      refuse(socket, supersede.refusal.reason, supersede.refusal);
      return;
    }
    const probation = identified ? undefined : deps.unauthenticated.hold(socket);
    // Corked until the end of the turn (wire/write-batcher.ts): the handshake's answer and the
    // welcome, written a few promise steps later when the mailbox has nothing waiting, leave
    // in one write system call instead of two.
    endpoint.sessions.batcher.cork(socket);
    let opened = false;
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      const open = (handover?: Promise<void>) =>
        deps.open(ws, socket, endpoint.sessions, admission, { probation, handover });
      if (claim === undefined) {
        const session = open();
        probation?.watch(session);
        return;
      }
      // A claim comes only with an identified admission (Admission.supersede).
      if (admission.kind === "identified") {
        deps.succession.takeOver(claim, admission.identity.userId, open);
      }
    });
    // ws refused the handshake itself (and answered it): what was taken is given back.
    if (!opened) {
      dialect.release(admission.state);
      probation?.end();
    }
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
    const found = dialect.credential(req);
    if (!admissible(req, socket, found?.source === "cookie")) return;
    const credential = found === undefined ? undefined : new ArrivingCredential(found, socket);
    const admission = dialect.admit(req, credential);
    if (admission instanceof Promise) {
      admission
        .then((admitted) => complete(req, socket, head, endpoint, admitted))
        .catch((error: unknown) => {
          throttle.error("upgrade_failed", { err: error }, "upgrade failed");
          socket.destroy();
        });
    } else {
      complete(req, socket, head, endpoint, admission);
    }
  };

  /** One listener for every socket, not a closure each (it would live as long as the connection). */
  function givePlaceBack(this: Duplex): void {
    deps.caps.closed(this);
  }

  function onUpgradeError(error: Error): void {
    throttle.debug("upgrade_socket_error", { err: error }, "socket error during upgrade");
  }
}

/**
 * The handshake's credential with the client's address, for authenticators that ration by
 * address [AUTH-5]: read from the socket only if one asks (a JWT never does).
 */
class ArrivingCredential implements HandshakeCredential {
  readonly token: string;
  readonly source: CredentialSource;

  constructor(
    found: HandshakeCredential,
    private readonly socket: Duplex,
  ) {
    this.token = found.token;
    this.source = found.source;
  }

  get address(): string {
    return clientAddress(this.socket);
  }
}
