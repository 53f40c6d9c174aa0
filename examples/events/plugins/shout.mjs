// A plug-in: an ES module listed under `plugins:` whose exports are actions and modifiers.
// `postoffice/events` gives the helpers and TypeBox's `Type` for the parameters.
import { defineAction, defineModifier, refuse, Type } from "postoffice/events";

/**
 * `shout`: the text, in capitals, to everyone in the target room. `text` takes placeholders
 * (`template: true`): it is resolved for each event, then checked as a string; `times` is fixed
 * in the configuration and checked at start (1 to 3).
 */
export const shout = defineAction({
  name: "shout",
  description: "Sends the text in capitals to the target room.",
  params: Type.Object({
    text: Type.String({ template: true, default: "{.payload.text}", maxLength: 500 }),
    times: Type.Integer({ minimum: 1, maximum: 3, default: 1 }),
  }),
  async run(ctx, { text, times }) {
    const room = ctx.target?.room;
    if (room === undefined) return refuse("invalid_target", "shout needs a room.");
    const loud = `${text.toUpperCase()}${"!".repeat(times)}`;
    const sent = await ctx.ports.notifyRoom(room, {
      event: "shout",
      payload: { by: ctx.sender.userId, text: loud },
    });
    return sent.ok ? undefined : refuse(sent.code, sent.message, { reason: ctx.step });
  },
});

/** `no_caps`: refuses a payload whose `field` is written in capitals only. */
export const noCaps = defineModifier({
  name: "no_caps",
  description: "Refuses text written in capitals only.",
  params: Type.Object({ field: Type.String({ default: "text" }) }),
  positional: ["field"],
  run(ctx, { field }) {
    const value = ctx.payload?.[field];
    if (typeof value === "string" && value.length > 3 && value === value.toUpperCase()) {
      return refuse("forbidden", "Please do not shout; the shout action does it for you.", {
        reason: ctx.step,
      });
    }
    return undefined;
  },
});
