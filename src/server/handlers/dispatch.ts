import type { DecodeResult } from "../../protocol/index.js";
import type { FrameHandler, Session } from "../session/session.js";
import { AckHandler } from "./ack-handler.js";
import { handleAuth } from "./auth-handler.js";
import { handleEvent } from "./event-handler.js";
import type { HandlerContext } from "./handler-context.js";
import { handleMessage } from "./message-handler.js";
import { handleBroadcast, handleJoin, handleLeave, handleWho } from "./room-handlers.js";

/** The dispatch table: one handler per client frame type (docs/protocol.md#client-frames). */
export function createFrameHandler(ctx: HandlerContext): FrameHandler {
  const acks = new AckHandler(ctx);
  return (session: Session, decoded: DecodeResult, arrivedAt: number) => {
    // Marks waiting for the end of the turn are written before a frame of another kind.
    if (
      acks.waiting &&
      !(decoded.ok && (decoded.frame.type === "ack" || decoded.frame.type === "read"))
    )
      acks.flush(session);
    if (!decoded.ok) {
      const { code, message, ok: _ok, ...extra } = decoded;
      session.inOrder(() => session.sendError(code, message, extra));
      return;
    }
    const frame = decoded.frame;
    const type = frame.type;
    switch (type) {
      case "ping":
        session.inOrder(() =>
          session.send({ type: "pong", ref: frame.id, data: { ts: Date.now() } }),
        );
        return;
      case "auth":
        return handleAuth(session, frame, ctx);
      case "message":
      case "ack":
      case "read":
      case "join":
      case "leave":
      case "who":
      case "broadcast":
      case "event": {
        const identity = session.identity;
        if (!identity) {
          session.inOrder(() =>
            session.sendError(
              "unauthorized",
              'Authenticate first: send {"type":"auth","data":{"token":"..."}}.',
              {
                ref: frame.id,
                reason: "token_missing",
              },
            ),
          );
          return;
        }
        switch (frame.type) {
          case "message":
            return handleMessage(session, frame, ctx, identity, arrivedAt);
          case "ack":
          case "read":
            return acks.handle(session, frame, identity);
          case "join":
            return handleJoin(session, frame, ctx, identity);
          case "leave":
            return handleLeave(session, frame, ctx, identity);
          case "who":
            return handleWho(session, frame, ctx, identity);
          case "broadcast":
            return handleBroadcast(session, frame, ctx, identity);
          case "event":
            return handleEvent(session, frame, ctx, identity);
        }
        return;
      }
      default: {
        const unreachable: never = type;
        throw new Error(`no handler for frame type ${String(unreachable)}`);
      }
    }
  };
}
