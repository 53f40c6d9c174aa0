import { Ajv, type ValidateFunction } from "ajv";
import type { TSchema } from "typebox";
import type { JsonValue } from "../../../protocol/index.js";
import { type Refusal, refuse } from "../refusal.js";
import type { StepDefinition } from "../step-definition.js";
import { PLACEHOLDER, type Placeholder } from "../templates/placeholder.js";
import { compileTemplate, type Template } from "../templates/template.js";
import type { TemplateScope } from "../templates/template-scope.js";
import { escapePointer, type Problem } from "./problem.js";

/** A step's parameters, compiled: fixed ones checked now, templated ones resolved per event. */
export interface CompiledParams {
  readonly placeholders: readonly Placeholder[];
  /** The parameters known at start (templated ones absent), for the compiler's own checks. */
  readonly fixed: Readonly<Record<string, unknown>>;
  /**
   * All parameters for one event. Throws MissingPathError for a path the event lacks, and
   * RefusedError (`invalid_param`) for a value that does not fit the parameter.
   */
  resolve(scope: TemplateScope, step: string): Record<string, unknown>;
}

/** A refusal found while resolving, thrown to the engine, which answers with it. */
export class RefusedError extends Error {
  override readonly name = "RefusedError";
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

// `strict: false`: plug-ins write their schemas with TypeBox, whose options may carry keywords
// of their own; `template` is ours.
const ajv = new Ajv({ strict: false, allErrors: false });
ajv.addKeyword({ keyword: "template", metaSchema: { type: "boolean" } });
const validators = new WeakMap<object, ValidateFunction>();

function validatorOf(schema: TSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

interface PropertySchema {
  template?: boolean;
  default?: unknown;
}

/**
 * Reads a step's parameters as written (a mapping, GoDispatch's list, or one value standing
 * for a one-item list) and compiles them against the definition's `params`.
 */
export function compileParams(
  definition: StepDefinition,
  raw: unknown,
  pointer: string,
): { ok: true; params: CompiledParams } | { ok: false; problems: Problem[] } {
  const named = namedParams(definition, raw);
  if (typeof named === "string") return { ok: false, problems: [{ pointer, message: named }] };
  const properties = (definition.params.properties ?? {}) as Record<
    string,
    TSchema & PropertySchema
  >;
  const required = new Set<string>((definition.params.required as string[] | undefined) ?? []);
  const problems: Problem[] = [];
  const known = Object.keys(properties);
  for (const key of Object.keys(named)) {
    if (!Object.hasOwn(properties, key)) {
      const list = known.length === 0 ? "it takes none" : `known: ${known.join(", ")}`;
      problems.push({
        pointer: `${pointer}/${escapePointer(key)}`,
        message: `${definition.name} has no parameter ${JSON.stringify(key)} (${list})`,
      });
    }
  }
  const fixed: Record<string, unknown> = {};
  const templated: Array<[string, Template, ValidateFunction]> = [];
  const placeholders: Placeholder[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    const at = `${pointer}/${escapePointer(key)}`;
    const given = Object.hasOwn(named, key);
    const value = given ? named[key] : schema.default;
    if (value === undefined) {
      if (required.has(key)) {
        problems.push({ pointer, message: `${definition.name} needs the parameter ${key}` });
      }
      continue;
    }
    const validate = validatorOf(schema);
    if (schema.template === true) {
      const compiled = compileTemplate(value);
      if (!compiled.ok) {
        for (const p of compiled.problems)
          problems.push({ pointer: at + p.pointer, message: p.message });
        continue;
      }
      if (!compiled.template.constant) {
        placeholders.push(...compiled.template.placeholders);
        templated.push([key, compiled.template, validate]);
        continue;
      }
    } else if (typeof value === "string" && new RegExp(PLACEHOLDER.source).test(value)) {
      problems.push({
        pointer: at,
        message: `${definition.name}'s ${key} is fixed in the configuration: it takes no placeholders`,
      });
      continue;
    }
    if (!validate(value)) {
      problems.push({ pointer: at, message: `${key}: ${ajvMessage(validate, value, schema)}` });
      continue;
    }
    fixed[key] = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  Object.freeze(fixed);
  const resolve =
    templated.length === 0
      ? () => fixed as Record<string, unknown>
      : (scope: TemplateScope, step: string): Record<string, unknown> => {
          const out: Record<string, unknown> = { ...fixed };
          for (const [key, template, validate] of templated) {
            const value = template.resolve(scope);
            if (!validate(value)) {
              throw new RefusedError(
                refuse(
                  "invalid_param",
                  `${step}: ${key} is ${shown(value)}, but ${ajvMessage(validate, value)}`,
                  {
                    reason: step,
                  },
                ),
              );
            }
            out[key] = value;
          }
          return out;
        };
  return { ok: true, params: { placeholders, fixed, resolve } };
}

/** The parameters as a mapping, from whichever form they were written in. */
function namedParams(definition: StepDefinition, raw: unknown): Record<string, unknown> | string {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return raw as Record<string, unknown>;
  const list = Array.isArray(raw) ? raw : [raw];
  if (definition.fromList !== undefined) return definition.fromList(list);
  const names = definition.positional ?? [];
  if (list.length > names.length) {
    return names.length === 0
      ? `${definition.name} takes its parameters as a mapping, not a list`
      : `${definition.name} takes at most ${names.length} parameters in a list (${names.join(", ")}); got ${list.length}`;
  }
  return Object.fromEntries(list.map((value, i) => [names[i] as string, value]));
}

function ajvMessage(validate: ValidateFunction, value: unknown, schema?: object): string {
  const error = validate.errors?.[0];
  if (error === undefined) return `${shown(value)} does not fit`;
  // A regex helps no one fixing a file: the parameter's description says what it takes.
  const description = (schema as { description?: unknown } | undefined)?.description;
  if (error.keyword === "pattern" && error.instancePath === "" && typeof description === "string") {
    return `${shown(value)} is not of the form ${description}`;
  }
  const where = error.instancePath === "" ? "" : `${error.instancePath} `;
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const suffix =
    allowed === undefined ? "" : ` (${allowed.map((v) => JSON.stringify(v)).join(", ")})`;
  return `${where}${error.message ?? "does not fit"}${suffix}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value as JsonValue) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
