import type { MessageFrame } from "../../protocol/index.js";
import { MailboxFullError, StoreError } from "../mailbox/message-store.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/** `message` to a user: stored, then `accepted`, then delivered to the recipient's sessions. */
export async function handleMessage(
  session: Session,
  frame: MessageFrame,
  ctx: HandlerContext,
  sender: NonNullable<Session["identity"]>,
): Promise<void> {
  const ref = frame.id;
  try {
    const accepted = await ctx.router.sendMail(sender, frame.data, ref);
    session.send({
      type: "receipt",
      ...(ref === undefined ? {} : { ref }),
      data: { status: "accepted", id: accepted.id, to: accepted.to, ts: accepted.ts },
    });
  } catch (error) {
    const refOption = ref === undefined ? {} : { ref };
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
      throw error;
    }
  }
}
