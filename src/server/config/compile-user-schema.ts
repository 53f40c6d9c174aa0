import { Ajv, type ValidateFunction } from "ajv";

// Keyed by the schema object: loadConfig compiles `config.validation.message` to check it, and
// the runtime asking again for the same object gets the same function, compiled once.
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Compiles a JSON Schema (draft-07) written by the operator, such as `validation.message`.
 * Throws ajv's error when it is not a valid schema. `strict: false`: keywords ajv does not
 * know are ignored rather than refused (an unknown `format` is ignored with a warning), as
 * other validators would. One ajv instance per schema, so two configurations whose schemas
 * share an `$id` do not collide.
 */
export function compileUserSchema(schema: object): ValidateFunction {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  // An async schema returns a promise, which the frame check would read as "valid" and whose
  // rejection would be unhandled: frames are checked synchronously, so refuse it here.
  if ((schema as { $async?: unknown }).$async === true) {
    throw new Error("an async schema ($async: true) cannot check frames");
  }
  const validate = new Ajv({ strict: false, allErrors: false }).compile(schema);
  compiled.set(schema, validate);
  return validate;
}
