import { Type } from "typebox";
import { defineAction } from "../step-definition.js";
import { fromPort } from "./port-outcome.js";
import { eventName, eventNameParam, payload } from "./room-actions.js";

export const notifyUser = defineAction({
  name: "notify_user",
  description:
    "Sends `{event, payload}` to every connection of a user (default: the `user:<id>` target).",
  params: Type.Object({
    user: Type.String({
      template: true,
      minLength: 1,
      default: "{$target.user}",
      description: "The user id.",
    }),
    event: eventName,
    payload,
  }),
  async run(ctx, { user, event, payload }) {
    return fromPort(await ctx.ports.notifyUser(user, { event, payload }), ctx.step);
  },
});

export const notifyOrigin = defineAction({
  name: "notify_origin",
  description: "Sends `{event, payload}` to the connection that sent the event, and no other.",
  params: Type.Object({ event: eventName, payload }),
  run(ctx, { event, payload }) {
    ctx.ports.notifyOrigin({ event, payload });
    return undefined;
  },
});

export const notifySender = defineAction({
  name: "notify_sender",
  description:
    "Sends `{event, payload}` to every connection of the sender (other tabs and devices too).",
  params: Type.Object({ event: eventName, payload }),
  async run(ctx, { event, payload }) {
    return fromPort(await ctx.ports.notifyUser(ctx.sender.userId, { event, payload }), ctx.step);
  },
});

export const broadcast = defineAction({
  name: "broadcast",
  description:
    "Sends `{event, payload}` to every authenticated connection; permissions.broadcast applies.",
  params: Type.Object({ event: eventName, payload }),
  async run(ctx, { event, payload }) {
    return fromPort(await ctx.ports.broadcast({ event, payload }), ctx.step);
  },
});

export const reply = defineAction({
  name: "reply",
  description:
    "The event's answer to its sender: in the native receipt, or an event frame in GoDispatch's dialect.",
  params: Type.Object({
    event: eventNameParam("{$event.name}"),
    payload,
  }),
  run(ctx, { event, payload }) {
    ctx.setReply({ event, payload });
    return undefined;
  },
});
