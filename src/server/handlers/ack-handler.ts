import type { AckFrame, ReadFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import { StoreError } from "../mailbox/message-store.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/**
 * `ack` and `read`: cumulative marks on the session user's mailbox; the senders get their
 * `delivered` / `read` receipts [RECEIPT-1]. Silent on success (acks are frequent); a store
 * failure is reported (`store_unavailable`, or `outcome_unknown` when it may have been kept),
 * and the mark can simply be sent again: marks are idempotent.
 */
export async function handleAck(
  session: Session,
  frame: AckFrame | ReadFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  try {
    await ctx.router.ack(
      identity.userId,
      frame.data.seq,
      frame.type === "ack" ? "delivered" : "read",
    );
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    ctx.throttle.warn(
      `ack_${error.code}`,
      { err: error.message },
      "message store refused an acknowledgement",
    );
    const message =
      error.code === "outcome_unknown"
        ? "The acknowledgement may or may not have been stored; send it again."
        : "The acknowledgement could not be stored; send it again.";
    session.inOrder(() => session.sendError(error.code, message, { ref: frame.id }));
  }
}
