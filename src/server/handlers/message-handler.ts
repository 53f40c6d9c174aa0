import type { ValidateFunction } from "ajv";
import type { ErrorCode, JsonObject, MessageFrame, ReceiptFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import { MailboxFullError, StoreError, type StoreFailure } from "../mailbox/message-store.js";
import { bodyOf } from "../router/body-of.js";
import { encodeAccepted } from "../router/encode-entry.js";
import { MailRefusedError } from "../router/mail-admission.js";
import type { SentMail } from "../router/router.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";
import { permitted } from "./room-handlers.js";

type Outcome =
  | { ok: true; receipt: ReceiptFrame["data"] }
  | { ok: false; code: ErrorCode; message: string }
  | { ok: false; error: unknown };

/**
 * `message` to a user (stored, then `accepted`, then delivered to the recipient's sessions)
 * or to a room (fanned out to its members, then `accepted`). The configured schema first
 * [LIMIT-2], then permissions [ROLE-1].
 * Sends are pipelined (session/frame-queue.ts): the next frames are handled while this one
 * waits for the store, and its receipt or error still reaches the sender in frame order.
 */
export function handleMessage(
  session: Session,
  frame: MessageFrame,
  ctx: HandlerContext,
  sender: Identity,
  /** `performance.now()` when the frame reached the session. */
  arrivedAt: number,
): Promise<void> | undefined {
  if (!matchesSchema(session, frame, ctx.validateMessage)) return undefined;
  const outcome = start(session, frame, ctx, sender);
  if (outcome === undefined) return undefined;
  return session.pipeline(outcome, (result) => answer(session, frame.id, result, ctx, arrivedAt));
}

/**
 * `validation.message`, checked here rather than on arrival: a message sent right behind its
 * `auth` frame is handled, and so checked, once its sender is known.
 */
function matchesSchema(
  session: Session,
  frame: MessageFrame,
  validate: ValidateFunction | undefined,
): boolean {
  if (validate === undefined || validate(frame.data)) return true;
  const first = validate.errors?.[0];
  const pointer = `/data${first?.instancePath ?? ""}`;
  const message = `${pointer} ${first?.message ?? "does not match the schema"}.`;
  session.inOrder(() => session.sendError("schema_violation", message, { ref: frame.id, pointer }));
  return false;
}

function start(
  session: Session,
  frame: MessageFrame,
  ctx: HandlerContext,
  sender: Identity,
): Outcome | Promise<Outcome> | undefined {
  const data = frame.data;
  if (data.room !== undefined) {
    const room = data.room;
    if (!permitted(session, ctx.permissions.room(sender, "send", room), frame.id)) return undefined;
    return ctx.rooms.send(session, sender, room, bodyOf(data)).then((sent): Outcome => {
      if (!sent.ok) return sent;
      return {
        ok: true,
        receipt: { status: "accepted", id: sent.value.id, room, ts: sent.value.ts },
      };
    }, failed);
  }
  if (!permitted(session, ctx.permissions.direct(sender, data.to), frame.id)) return undefined;
  // In the same turn with the memory store: no promise between the frame and its receipt.
  let sent: SentMail | Promise<SentMail>;
  try {
    sent = ctx.router.send(sender, data as JsonObject & { to: string }, frame.id);
  } catch (error) {
    return failed(error);
  }
  if (!(sent instanceof Promise))
    return { ok: true, receipt: accepted(session, sender, data, sent) };
  return sent.then(
    (mail): Outcome => ({ ok: true, receipt: accepted(session, sender, data, mail) }),
    failed,
  );
}

/** A send that failed: its error, answered in `answer`. */
function failed(error: unknown): Outcome {
  return { ok: false, error };
}

/**
 * The `accepted` receipt of direct mail; it says whether the recipient was connected only to
 * the dialects that tell their clients (AMQP chat), which may also copy mail that waits.
 */
function accepted(
  session: Session,
  sender: Identity,
  data: JsonObject,
  sent: SentMail,
): ReceiptFrame["data"] {
  const dialect = session.dialect;
  if (!sent.online) dialect.mailWaiting?.({ from: sender.userId, to: sent.to, body: bodyOf(data) });
  const receipt: ReceiptFrame["data"] = {
    status: "accepted",
    id: sent.id,
    to: sent.to,
    ts: sent.ts,
  };
  if (dialect.tellsOnline) receipt.online = sent.online;
  return receipt;
}

/** What the sender is told of a store failure [DELIVERY-5]. */
const STORE_FAILURES: Record<StoreFailure, string> = {
  store_unavailable:
    "The message could not be stored; it was not accepted. Send it again later, with the same id.",
  outcome_unknown:
    "The store may or may not have kept the message. Send it again, with the same id: it lands once.",
};

function answer(
  session: Session,
  ref: string | undefined,
  result: Outcome,
  ctx: HandlerContext,
  arrivedAt: number,
): void {
  if (result.ok) {
    const receipt = result.receipt;
    // Direct mail's `accepted` to a native client as a template: one per mail sent.
    const to = receipt.to;
    if (session.readsNative && to !== undefined && receipt.room === undefined)
      session.sendText(encodeAccepted(ref, receipt.id, to, receipt.ts, receipt.online));
    else session.send({ type: "receipt", ref, data: receipt });
    session.metrics.messageAccepted(receipt.room === undefined ? "direct" : "room", arrivedAt);
    return;
  }
  if ("code" in result) {
    session.sendError(result.code, result.message, { ref });
    return;
  }
  const { error } = result;
  if (error instanceof MailRefusedError) {
    const details =
      error.retryAfterMs === undefined ? { ref } : { ref, retryAfterMs: error.retryAfterMs };
    session.sendError(error.code, error.message, details);
  } else if (error instanceof MailboxFullError) {
    session.sendError("mailbox_full", error.message, { ref });
  } else if (error instanceof StoreError) {
    // The store logs when it stops and starts writing; each refusal is only counted [LIMIT-4].
    ctx.throttle.warn(`mail_${error.code}`, { err: error.message }, "message store refused mail");
    session.sendError(error.code, STORE_FAILURES[error.code], { ref });
  } else {
    ctx.throttle.warn("send_failed", { err: error, session: session.id }, "sending failed");
    session.sendError(
      "internal_error",
      "The server failed while handling this frame; it was not accepted.",
      { ref },
    );
  }
}
