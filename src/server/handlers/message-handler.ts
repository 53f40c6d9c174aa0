import type { MessageFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import { type Acceptance, MailboxFullError, StoreError } from "../mailbox/message-store.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/**
 * Sends a session may have waiting for the store at once. Sends are pipelined so that a
 * burst from one client shares group commits instead of paying one disk flush per mail;
 * past this many, the session reads no further frame until one completes (backpressure).
 */
export const MAX_SENDS_IN_FLIGHT = 256;

type Outcome = { ok: true; accepted: Acceptance } | { ok: false; error: unknown };

/**
 * `message` to a user: stored, then `accepted`, then delivered to the recipient's sessions.
 * The store keeps appends in call order; replies are chained so that receipts and errors
 * also reach the sender in the order of its frames, whichever outcome settles first.
 */
export function handleMessage(
  session: Session,
  frame: MessageFrame,
  ctx: HandlerContext,
  sender: Identity,
): Promise<void> | undefined {
  const outcome: Promise<Outcome> = ctx.router.sendMail(sender, frame.data, frame.id).then(
    (accepted) => ({ ok: true, accepted }),
    (error: unknown) => ({ ok: false, error }),
  );
  const reply = session.replyWhenSettled(outcome, (result) =>
    answer(session, frame.id, result, ctx),
  );
  session.sendsInFlight += 1;
  const done = reply.finally(() => {
    session.sendsInFlight -= 1;
  });
  return session.sendsInFlight >= MAX_SENDS_IN_FLIGHT ? done : undefined;
}

function answer(
  session: Session,
  ref: string | undefined,
  result: Outcome,
  ctx: HandlerContext,
): void {
  const refOption = ref === undefined ? {} : { ref };
  if (result.ok) {
    const { id, to, ts } = result.accepted;
    session.send({ type: "receipt", ...refOption, data: { status: "accepted", id, to, ts } });
    return;
  }
  const { error } = result;
  if (error instanceof MailboxFullError) {
    session.sendError("mailbox_full", error.message, refOption);
  } else if (error instanceof StoreError) {
    ctx.log.error({ err: error }, "message store refused mail");
    session.sendError(
      "store_unavailable",
      "The message could not be stored; it was not accepted.",
      refOption,
    );
  } else {
    ctx.log.error({ err: error, session: session.id }, "sending mail failed");
    session.sendError(
      "internal_error",
      "The server failed while handling this frame; it was not accepted.",
      refOption,
    );
  }
}
