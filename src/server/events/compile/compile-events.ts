import { isStepDefinition, type StepKind } from "../step-definition.js";
import type { StepRegistry } from "../step-registry.js";
import type { Placeholder } from "../templates/placeholder.js";
import type { CompiledEvent, CompiledRules, CompiledStep } from "./compiled-rules.js";
import { escapePointer, type Problem } from "./problem.js";
import { compileParams } from "./step-params.js";
import { readStepSpec } from "./step-spec.js";
import { compileTarget, type TargetRule } from "./target-rule.js";

/** An event's name as clients can send it (GoDispatch's `join_room`, `chat.send`, `room:kick`). */
export const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

const EVENT_KEYS = ["description", "target", "allow", "payload", "modifiers", "actions", "export"];

export type CompileResult = { ok: true; rules: CompiledRules } | { ok: false; problems: Problem[] };

/**
 * Compiles `events:` against the registry's steps: every event, step, parameter and
 * placeholder is checked now, and every problem is listed (not only the first), each with its
 * JSON pointer under /events. `permissionNames`, when not empty, are the only values a `perms`
 * claim may be required to hold (GoDispatch's `permissions:` list): a typo is a problem here.
 */
export function compileEvents(
  section: unknown,
  registry: StepRegistry,
  permissionNames: readonly string[] = [],
): CompileResult {
  const problems: Problem[] = [];
  const events = new Map<string, CompiledEvent>();
  if (section === undefined || section === null) return { ok: true, rules: { events } };
  if (typeof section !== "object" || Array.isArray(section)) {
    return {
      ok: false,
      problems: [
        { pointer: "/events", message: "events is a mapping of event names to definitions" },
      ],
    };
  }
  for (const [name, definition] of Object.entries(section)) {
    const compiled = compileEvent(name, definition, registry, problems, permissionNames);
    if (compiled !== undefined) events.set(name, compiled);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules: { events } };
}

function compileEvent(
  name: string,
  raw: unknown,
  registry: StepRegistry,
  problems: Problem[],
  permissionNames: readonly string[],
): CompiledEvent | undefined {
  const pointer = `/events/${escapePointer(name)}`;
  const before = problems.length;
  if (!EVENT_NAME.test(name)) {
    problems.push({
      pointer,
      message: `unreachable: clients cannot send an event named ${JSON.stringify(name)} (a letter, then up to 63 letters, digits, '_', '.', ':' or '-')`,
    });
  }
  const definition = raw ?? {};
  if (typeof definition !== "object" || Array.isArray(definition)) {
    problems.push({ pointer, message: `an event is a mapping with ${EVENT_KEYS.join(", ")}` });
    return undefined;
  }
  const fields = definition as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!EVENT_KEYS.includes(key)) {
      problems.push({
        pointer: `${pointer}/${escapePointer(key)}`,
        message: `unknown key (an event has ${EVENT_KEYS.join(", ")})`,
      });
    }
  }
  const target = compileTarget(fields.target, `${pointer}/target`, problems);
  if (fields.export !== undefined && typeof fields.export !== "boolean") {
    problems.push({
      pointer: `${pointer}/export`,
      message: "export is true (published to the AMQP exchange once accepted) or false",
    });
  }
  const facts: EventFacts = { name, target, secure: undefined, replies: 0, permissionNames };
  const modifiers: CompiledStep[] = [];
  if (fields.allow !== undefined) {
    const step = compileAllow(fields.allow, `${pointer}/allow`, facts, registry, problems);
    if (step !== undefined) modifiers.push(step);
  }
  if (fields.payload !== undefined) {
    const step = compileStep(
      "modifier",
      { name: "validate", params: { schema: fields.payload }, paramsPointer: `${pointer}/payload` },
      `events.${name}.payload`,
      facts,
      registry,
      problems,
      (p) => ({ ...p, pointer: p.pointer.replace(/\/schema$/, "") }),
    );
    if (step !== undefined) modifiers.push(step);
  }
  modifiers.push(
    ...compileList("modifier", fields.modifiers, `${pointer}/modifiers`, facts, registry, problems),
  );
  const actions = compileList(
    "action",
    fields.actions,
    `${pointer}/actions`,
    facts,
    registry,
    problems,
  );
  if (problems.length > before) return undefined;
  const changing = actions.findIndex((step) => step.definition.changesPayload === true);
  return {
    name,
    target,
    modifiers,
    actions,
    export: fields.export === true,
    planned: changing === -1 ? actions.length : changing + 1,
  };
}

/** What the steps of one event may rely on, learnt as its steps are compiled in order. */
interface EventFacts {
  name: string;
  target: TargetRule;
  /** Set once a `secure` modifier is compiled: the claims it requires ([] for any). */
  secure: readonly string[] | undefined;
  replies: number;
  /** The declared permission names (`permissions.names`); empty: any name. */
  permissionNames: readonly string[];
}

function compileAllow(
  allow: unknown,
  pointer: string,
  facts: EventFacts,
  registry: StepRegistry,
  problems: Problem[],
): CompiledStep | undefined {
  const roles = (allow as { roles?: unknown } | null)?.roles;
  if (Array.isArray(roles) && roles.length === 0) {
    problems.push({
      pointer: `${pointer}/roles`,
      message: "unreachable: allow.roles is empty, so no one may send this event",
    });
  }
  return compileStep(
    "modifier",
    { name: "require", params: allow, paramsPointer: pointer },
    `events.${facts.name}.allow`,
    facts,
    registry,
    problems,
  );
}

function compileList(
  kind: StepKind,
  list: unknown,
  pointer: string,
  facts: EventFacts,
  registry: StepRegistry,
  problems: Problem[],
): CompiledStep[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    problems.push({ pointer, message: `${kind}s is a list of steps` });
    return [];
  }
  const steps: CompiledStep[] = [];
  list.forEach((item, i) => {
    const at = `${pointer}/${i}`;
    const spec = readStepSpec(item, at);
    if ("message" in spec) {
      problems.push(spec);
      return;
    }
    const where = `events.${facts.name}.${kind}s[${i}] (${spec.name})`;
    const step = compileStep(kind, spec, where, facts, registry, problems);
    if (step !== undefined) steps.push(step);
  });
  return steps;
}

function compileStep(
  kind: StepKind,
  spec: { name: string; params: unknown; paramsPointer: string },
  where: string,
  facts: EventFacts,
  registry: StepRegistry,
  problems: Problem[],
  adjust: (problem: Problem) => Problem = (problem) => problem,
): CompiledStep | undefined {
  const definition = registry.get(kind, spec.name);
  if (definition === undefined || !isStepDefinition(definition)) {
    problems.push({
      pointer: spec.paramsPointer.replace(/\/params$/, ""),
      message: unknownStep(kind, spec.name, registry),
    });
    return undefined;
  }
  const compiled = compileParams(definition, spec.params, spec.paramsPointer);
  if (!compiled.ok) {
    problems.push(...compiled.problems.map(adjust));
    return undefined;
  }
  const params = compiled.params;
  const prepared = definition.prepare?.(params.fixed);
  if (prepared !== undefined) {
    problems.push(adjust({ pointer: spec.paramsPointer, message: prepared }));
    return undefined;
  }
  const before = problems.length;
  for (const placeholder of params.placeholders) {
    const problem = placeholderProblem(placeholder, facts);
    if (problem !== undefined) problems.push({ pointer: spec.paramsPointer, message: problem });
  }
  if (definition.name === "secure")
    facts.secure = (params.fixed.claims as string[] | undefined) ?? [];
  if (
    definition.name === "reply" ||
    (definition.name === "webhook" && params.fixed.use === "reply")
  ) {
    facts.replies += 1;
    if (facts.replies > 1) {
      problems.push({
        pointer: spec.paramsPointer,
        message: "an event has one reply: an earlier step already sets it",
      });
    }
  }
  if (definition.name === "require") {
    const undeclared = undeclaredPermissions(params.fixed.claims, facts.permissionNames);
    if (undeclared.length > 0) {
      problems.push({
        pointer: `${spec.paramsPointer}/claims/perms`,
        message: `${undeclared.join(", ")} ${undeclared.length === 1 ? "is" : "are"} not among the declared permissions (permissions.names: ${facts.permissionNames.join(", ")})`,
      });
    }
  }
  if (definition.name === "require" && params.fixed.member === true && !takesRooms(facts.target)) {
    problems.push({
      pointer: spec.paramsPointer,
      message: `unreachable: member needs a room target, and this event takes ${facts.target.kind}`,
    });
  }
  return problems.length > before ? undefined : { where, definition, params };
}

/** The values a `perms` claim is required to hold that are not declared, if any are declared. */
function undeclaredPermissions(claims: unknown, declared: readonly string[]): string[] {
  if (declared.length === 0 || typeof claims !== "object" || claims === null) return [];
  const perms = (claims as Record<string, unknown>).perms;
  const wanted = typeof perms === "string" ? [perms] : Array.isArray(perms) ? perms : [];
  return wanted.filter(
    (name): name is string => typeof name === "string" && !declared.includes(name),
  );
}

function takesRooms(target: TargetRule): boolean {
  return target.kind === "any" || target.kind === "room" || target.kind === "optional";
}

/** Why a placeholder can never resolve in this event, or undefined if it can. */
function placeholderProblem(placeholder: Placeholder, facts: EventFacts): string | undefined {
  const { kind } = facts.target;
  switch (placeholder.need) {
    case undefined:
      return undefined;
    case "target":
      return kind === "none" ? `${placeholder.source}: this event takes no target` : undefined;
    case "target-room":
      return kind === "none" || kind === "user"
        ? `${placeholder.source}: this event's target is never a room (target: ${kind})`
        : undefined;
    case "target-user":
      return kind === "none" || kind === "room"
        ? `${placeholder.source}: this event's target is never a user (target: ${kind})`
        : undefined;
    case "token": {
      const secure = facts.secure;
      if (secure === undefined) {
        return `${placeholder.source} reads the token that a secure modifier checks; this event has none before this step`;
      }
      if (
        secure.length > 0 &&
        placeholder.claim !== undefined &&
        !secure.includes(placeholder.claim)
      ) {
        return `${placeholder.source}: secure requires only the claims ${secure.join(", ")}; add ${placeholder.claim} to them`;
      }
      return undefined;
    }
  }
}

function unknownStep(kind: StepKind, name: string, registry: StepRegistry): string {
  const other: StepKind = kind === "action" ? "modifier" : "action";
  if (registry.get(other, name) !== undefined) {
    return `${name} is a ${other}, not an ${kind === "action" ? "action" : "modifier"}: list it under ${other}s`;
  }
  return `unknown ${kind} ${JSON.stringify(name)} (known: ${registry.names(kind).join(", ")})`;
}
