import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import type { Admission } from "../dialects/dialect.js";
import type { LogThrottle } from "../log/log-throttle.js";
import { type Arrival, Session, type SessionContext } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { createFrameIntake } from "./frame-intake.js";

export interface SessionSocketDeps {
  lifecycle: SessionLifecycle;
  throttle: LogThrottle;
  intake: ReturnType<typeof createFrameIntake>;
}

/** Makes the session of an upgraded socket and hands it to the lifecycle. */
export type OpenSession = (
  ws: WebSocket,
  socket: Duplex,
  context: SessionContext,
  admission: Exclude<Admission, { kind: "refused" }>,
  arrival: Arrival,
) => Session;

/**
 * The sessions' sockets: a session made for each upgraded WebSocket, and the socket's events
 * routed to it. The listeners are made once for all connections, each finding its session by
 * its WebSocket: a closure per connection would cost memory on every idle connection.
 */
export function createSessionSockets(deps: SessionSocketDeps): OpenSession {
  const { lifecycle, throttle, intake } = deps;
  const sessionOf = new WeakMap<WebSocket, Session>();

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    // Nothing a client sends may throw out of this listener: that would end the process.
    try {
      intake(session, data, isBinary);
    } catch (error) {
      const details = { err: error, session: session.id };
      throttle.error("frame_intake_failed", details, "frame intake failed");
      session.sendError(
        "internal_error",
        "The server failed while handling a frame; it was not accepted.",
      );
    }
  }

  function onPong(this: WebSocket): void {
    sessionOf.get(this)?.noteInput();
  }

  function onError(this: WebSocket, error: Error): void {
    // What ws refused while reading (1002, 1007, 1008, 1009): the client's doing, throttled.
    const details = { err: error, session: sessionOf.get(this)?.id };
    throttle.debug("websocket_error", details, "websocket error");
  }

  function onClose(this: WebSocket, code: number): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    lifecycle.closed(session, code);
  }

  return (ws, socket, context, admission, arrival) => {
    const session = new Session(ws, socket, context, admission, arrival);
    sessionOf.set(ws, session);
    ws.on("message", onMessage);
    ws.on("pong", onPong);
    ws.on("error", onError);
    ws.on("close", onClose);
    lifecycle.opened(session, admission, arrival.handover);
    return session;
  };
}
