import { Type } from "typebox";
import type { JsonValue } from "../../../protocol/index.js";
import { ROOM_NAME } from "../../../protocol/index.js";
import { refuse } from "../refusal.js";
import { defineAction, type StepContext, type StepResult } from "../step-definition.js";
import { fromPort } from "./port-outcome.js";

/** `user:<id>` names every connection of a user, as in GoDispatch, never a room. */
export const USER_PREFIX = "user:";

const room = (description: string) =>
  Type.String({ template: true, default: "{$target.id}", description });

/** The name of the event recipients get; a template. */
export const eventNameParam = (fallback?: string) =>
  Type.String({
    template: true,
    minLength: 1,
    maxLength: 64,
    ...(fallback === undefined ? {} : { default: fallback }),
    description: "The name of the event the recipients get.",
  });

export const eventName = eventNameParam();

export const payload = Type.Unsafe<JsonValue>({
  template: true,
  default: "{.payload}",
  description: "What the recipients get as `payload`; a template (default: the event's payload).",
});

/** A room the sender's connection can be in, or a refusal naming the step. */
export function roomOrRefusal(value: string, ctx: StepContext): StepResult {
  if (value.startsWith(USER_PREFIX)) {
    return refuse("invalid_param", `${ctx.step}: ${value} is a user, not a room`, {
      reason: ctx.step,
    });
  }
  if (!ROOM_NAME.test(value)) {
    return refuse("invalid_param", `${ctx.step}: ${JSON.stringify(value)} is not a room name`, {
      reason: ctx.step,
    });
  }
  return undefined;
}

export const join = defineAction({
  name: "join",
  description: "The sender's connection joins the room (default: the target), as a `join` frame.",
  params: Type.Object({ room: room("The room to join.") }),
  check(ctx, { room }) {
    ctx.roomsTouched.add(room);
    return roomOrRefusal(room, ctx);
  },
  async run(ctx, { room }) {
    ctx.roomsTouched.add(room);
    return roomOrRefusal(room, ctx) ?? fromPort(await ctx.ports.join(room), ctx.step);
  },
});

export const leave = defineAction({
  name: "leave",
  description:
    "The sender's connection leaves the room (default: the target); not being in it is no error.",
  params: Type.Object({ room: room("The room to leave.") }),
  check(ctx, { room }) {
    ctx.roomsTouched.add(room);
    return roomOrRefusal(room, ctx);
  },
  async run(ctx, { room }) {
    ctx.roomsTouched.add(room);
    return roomOrRefusal(room, ctx) ?? fromPort(await ctx.ports.leave(room), ctx.step);
  },
});

/**
 * A notice to every connection in the room, the sender's included. The sender must be in the
 * room when the event starts, or join or leave it earlier in the same event. A room of the form
 * `user:<id>` reaches every connection of that user instead (GoDispatch's `_notify_room` to a
 * user target).
 */
export const notifyRoom = defineAction({
  name: "notify_room",
  description: "Sends `{event, payload}` to every connection in the room (default: the target).",
  params: Type.Object({
    event: eventName,
    payload,
    room: room("The room, or `user:<id>` for every connection of that user."),
  }),
  check(ctx, { room }) {
    if (room.startsWith(USER_PREFIX)) return undefined;
    const bad = roomOrRefusal(room, ctx);
    if (bad !== undefined) return bad;
    if (ctx.roomsTouched.has(room) || ctx.ports.isMember(room)) return undefined;
    return refuse("not_a_member", `Join ${room} before sending events to it.`, {
      reason: ctx.step,
    });
  },
  async run(ctx, params) {
    const notice = { event: params.event, payload: params.payload };
    if (params.room.startsWith(USER_PREFIX)) {
      const user = params.room.slice(USER_PREFIX.length);
      return fromPort(await ctx.ports.notifyUser(user, notice), ctx.step);
    }
    return fromPort(await ctx.ports.notifyRoom(params.room, notice), ctx.step);
  },
});
