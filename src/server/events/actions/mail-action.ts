import { Type } from "typebox";
import type { JsonObject } from "../../../protocol/index.js";
import { defineAction } from "../step-definition.js";
import { fromPort } from "./port-outcome.js";

/**
 * Mail from the sender to a user: stored in the recipient's mailbox before the event is
 * accepted, delivered now or when they connect, with `delivered` and `read` receipts to the
 * sender, exactly as a `message` with `data.to`. A retried event frame (same `id`) stores it once.
 */
export const mail = defineAction({
  name: "mail",
  description: "Mails `body` to a user (default: the `user:<id>` target), durable, with receipts.",
  params: Type.Object({
    to: Type.String({
      template: true,
      minLength: 1,
      default: "{$target.user}",
      description: "The recipient's user id.",
    }),
    body: Type.Unsafe<JsonObject>({
      template: true,
      type: "object",
      default: "{.payload}",
      description: "The mail's body: a mapping (default: the event's payload).",
    }),
  }),
  async run(ctx, { to, body }) {
    const ref = ctx.requestId === undefined ? undefined : `${ctx.requestId}/${ctx.step}`;
    const sent = await ctx.ports.sendMail(to, body, ref);
    if (sent.ok) ctx.addMail(sent.value);
    return fromPort(sent, ctx.step);
  },
});
