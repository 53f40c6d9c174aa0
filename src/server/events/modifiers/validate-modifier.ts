import { Type } from "typebox";
import { compileUserSchema } from "../../config/compile-user-schema.js";
import { refuse } from "../refusal.js";
import type { StepContext } from "../step-definition.js";
import { defineModifier, type StepResult } from "../step-definition.js";

/**
 * Checks the payload as it stands against a JSON Schema (draft-07, ajv), compiled at start.
 * The event's `payload:` key is this modifier, run before the others.
 */
export const validateModifier = defineModifier({
  name: "validate",
  description: "Refuses a payload that does not satisfy a JSON Schema (`schema_violation`).",
  params: Type.Object({
    schema: Type.Record(Type.String(), Type.Unknown(), {
      description: "A JSON Schema for the payload.",
    }),
  }),
  positional: ["schema"],
  prepare(fixed) {
    return schemaProblem(fixed.schema);
  },
  run(ctx, { schema }) {
    return checkSchema(ctx, schema);
  },
});

/** Why a JSON Schema cannot be used, or undefined; it is compiled once, here. */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    compileUserSchema(schema as object);
    return undefined;
  } catch (error) {
    return `not a valid JSON Schema (ajv: ${(error as Error).message})`;
  }
}

export function checkSchema(ctx: StepContext, schema: object): StepResult {
  const validate = compileUserSchema(schema);
  if (validate(ctx.payload)) return undefined;
  const first = validate.errors?.[0];
  const pointer = `/payload${first?.instancePath ?? ""}`;
  return refuse(
    "schema_violation",
    `${pointer} ${first?.message ?? "does not match the schema"}.`,
    {
      reason: ctx.step,
      pointer,
    },
  );
}
