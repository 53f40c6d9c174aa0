import { Type } from "typebox";
import { oneOfStrings } from "../compile/one-of.js";
import { defineAction } from "../step-definition.js";

/**
 * A line in the server's log with the event, the sender and the target. Throttled per step
 * (a client sending the event in a loop cannot flood the log): suppressed lines are counted on
 * the next one written.
 */
export const log = defineAction({
  name: "log",
  description: "Writes `message` (a text template) to the server's log.",
  params: Type.Object({
    message: Type.String({
      template: true,
      default: "event {$event.name} from {$user.id}",
      description: "The line; placeholders are written in as text.",
    }),
    level: oneOfStrings(["info", "warn"], "info", "The log level."),
  }),
  run(ctx, { message, level }) {
    const fields = { event: ctx.eventName, user: ctx.sender.userId, target: ctx.target?.id };
    if (level === "warn") ctx.log.warn(fields, message);
    else ctx.log.info(fields, message);
    return undefined;
  },
});
