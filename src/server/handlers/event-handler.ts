import type { EventFrame, ReceiptFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import type { EventOutcome } from "../events/event-engine.js";
import type { Session } from "../session/session.js";
import { SessionEventPorts } from "./event-ports.js";
import type { HandlerContext } from "./handler-context.js";

/**
 * `event`: a declared event, run by the rules engine as the session's user [EVENT-1]. The
 * sender always hears back: a receipt naming the event (with its reply and the mail it stored),
 * or an error frame with the refusal's stable code. A connection's events run one at a time,
 * in the order sent (the frame queue waits for each), so that an event that joins a room is
 * done before the next one speaks in it.
 */
export async function handleEvent(
  session: Session,
  frame: EventFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  const ports = new SessionEventPorts(session, identity, ctx.permissions, ctx);
  const { event, target, payload } = frame.data;
  const outcome = await ctx.events.handle({ event, target, payload, id: frame.id }, ports);
  session.inOrder(() => answer(session, frame.id, outcome));
}

function answer(session: Session, ref: string | undefined, outcome: EventOutcome): void {
  if (!outcome.ok) {
    const { code, message, reason, pointer, retryAfterMs } = outcome.refusal;
    session.sendError(code, message, { ref, reason, pointer, retryAfterMs });
    return;
  }
  const data: ReceiptFrame["data"] = {
    status: "accepted",
    event: outcome.event,
    id: outcome.id,
    ts: outcome.ts,
  };
  if (outcome.reply !== undefined) data.reply = outcome.reply;
  if (outcome.mail !== undefined) data.mail = outcome.mail;
  session.send({ type: "receipt", ref, data });
}
