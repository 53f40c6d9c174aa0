import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import type { Admission } from "../dialects/dialect.js";
import type { Logger } from "../log/logger.js";
import { Session, type SessionContext } from "../session/session.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";
import type { createFrameIntake } from "./frame-intake.js";

export interface SessionSocketDeps {
  lifecycle: SessionLifecycle;
  log: Logger;
  intake: ReturnType<typeof createFrameIntake>;
}

/** Makes the session of an upgraded socket and hands it to the lifecycle. */
export type OpenSession = (
  ws: WebSocket,
  socket: Duplex,
  context: SessionContext,
  admission: Exclude<Admission, { kind: "refused" }>,
) => void;

/**
 * The sessions' sockets: a session made for each upgraded WebSocket, and the socket's events
 * routed to it. The listeners are made once for all connections, each finding its session by
 * its WebSocket: a closure per connection would cost memory on every idle connection.
 */
export function createSessionSockets(deps: SessionSocketDeps): OpenSession {
  const { lifecycle, log, intake } = deps;
  const sessionOf = new WeakMap<WebSocket, Session>();

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    // Nothing a client sends may throw out of this listener: that would end the process.
    try {
      intake(session, data, isBinary);
    } catch (error) {
      log.error({ err: error, session: session.id }, "frame intake failed");
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
    log.debug({ err: error, session: sessionOf.get(this)?.id }, "websocket error");
  }

  function onClose(this: WebSocket, code: number): void {
    const session = sessionOf.get(this);
    if (session === undefined) return;
    lifecycle.closed(session, code);
  }

  return (ws, socket, context, admission) => {
    const session = new Session(ws, socket, context, admission);
    sessionOf.set(ws, session);
    ws.on("message", onMessage);
    ws.on("pong", onPong);
    ws.on("error", onError);
    ws.on("close", onClose);
    lifecycle.opened(session, admission);
  };
}
