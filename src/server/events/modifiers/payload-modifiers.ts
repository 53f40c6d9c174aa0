import { Type } from "typebox";
import type { JsonObject, JsonValue } from "../../../protocol/index.js";
import { refuse } from "../refusal.js";
import { defineModifier } from "../step-definition.js";

/** Replaces the payload with a template of it: keep some fields, rename them, add the sender. */
export const transformModifier = defineModifier({
  name: "transform",
  description: "Replaces the payload with `payload`, a template.",
  params: Type.Object({
    payload: Type.Unsafe<JsonValue>({ template: true, description: "The new payload." }),
  }),
  positional: ["payload"],
  run(ctx, { payload }) {
    ctx.payload = payload;
    return undefined;
  },
});

/**
 * Adds fields to an object payload, such as the sender's identity. A field the sender also
 * sent is overwritten: what `add` says cannot be forged by the client.
 */
export const enrichModifier = defineModifier({
  name: "enrich",
  description: "Adds the fields of `add` (a template) to the payload, which must be a mapping.",
  params: Type.Object({
    add: Type.Unsafe<JsonObject>({
      template: true,
      type: "object",
      default: { sender: "{$user.id}" },
      description: "The fields to add (default: `sender`, the sender's user id).",
    }),
  }),
  run(ctx, { add }) {
    const payload = ctx.payload;
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return refuse("schema_violation", `${ctx.eventName} needs a payload that is a mapping.`, {
        reason: ctx.step,
        pointer: "/payload",
      });
    }
    ctx.payload = { ...payload, ...add };
    return undefined;
  },
});
