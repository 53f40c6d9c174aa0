import { randomUUID } from "node:crypto";
import type { JsonValue } from "../../protocol/index.js";
import { type ActivitySink, NO_ACTIVITY } from "../activity/activity-feed.js";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import { type BuildResult, buildRules, type EventsOptions } from "./build-rules.js";
import type { CompiledEvent, CompiledRules, CompiledStep } from "./compile/compiled-rules.js";
import type { Problem } from "./compile/problem.js";
import { RefusedError } from "./compile/step-params.js";
import { readTarget } from "./compile/target-rule.js";
import { EventRun } from "./event-run.js";
import { type EventCounters, UNKNOWN_EVENT_LABEL } from "./event-stats.js";
import { declaredEvent } from "./exported-event.js";
import type { EventNotice, EventPorts, MailAccepted } from "./ports.js";
import { type Refusal, refuse } from "./refusal.js";
import { StepLogThrottle } from "./step-log-throttle.js";
import type { StepRegistry } from "./step-registry.js";
import { MissingPathError } from "./templates/template-scope.js";

/** An event as a dialect decoded it; the sender is the ports', never the frame's. */
export interface EventRequest {
  event: string;
  /** A room, `user:<id>`, or absent. */
  target?: string;
  /** Absent is `{}`. */
  payload?: JsonValue;
  /** The client frame's `id`: the receipt's `ref`, and what makes a retried event's mail land once. */
  id?: string;
}

/** What the sender is told: a receipt, or a refusal with a stable code. */
export type EventOutcome =
  | { ok: true; event: string; id: string; ts: number; reply?: EventNotice; mail?: MailAccepted[] }
  | { ok: false; event: string; refusal: Refusal };

export interface EventEngineDeps {
  log: Logger;
  counters: EventCounters;
  /** The built-in steps (builtins.ts); plug-ins are added per set of rules. */
  builtins: StepRegistry;
  clock?: () => number;
  /** Where events declared with `export: true` go once accepted (the node's activity feed). */
  activity?: ActivitySink;
}

export type ReloadResult = { ok: true; events: number } | { ok: false; problems: Problem[] };

const EMPTY_PAYLOAD: JsonValue = Object.freeze({}) as JsonValue;

/**
 * Runs declared events: the target checked, then the modifiers in order, then the actions.
 * Before the first action runs, every action's placeholders are resolved and its checks made
 * (membership, room names), so an event refused for a missing path or a room it is not in
 * has done nothing; a webhook that changes the payload defers the steps after it to their turn.
 * Actions are not transactional: one refused or failing stops the event, and those before it stay done.
 *
 * The rules are swapped whole by `reload`: an event reads them once when it starts, so events
 * in flight finish on the rules they started with.
 */
export class EventEngine {
  #rules: CompiledRules;
  readonly #deps: EventEngineDeps;
  readonly #clock: () => number;
  readonly #refusals: LogThrottle;
  readonly #stepLogs: StepLogThrottle;

  private constructor(rules: CompiledRules, deps: EventEngineDeps) {
    this.#rules = rules;
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
    this.#refusals = new LogThrottle(deps.log);
    this.#stepLogs = new StepLogThrottle(deps.log);
  }

  /** An engine on these options, or every problem they have. */
  static async create(
    options: EventsOptions,
    deps: EventEngineDeps,
  ): Promise<{ ok: true; engine: EventEngine } | { ok: false; problems: Problem[] }> {
    const built = await buildRules(options, deps.builtins);
    return built.ok ? { ok: true, engine: new EventEngine(built.rules, deps) } : built;
  }

  /** The declared event names, for the docs page and the dialects. */
  get events(): string[] {
    return [...this.#rules.events.keys()];
  }

  /**
   * Compiles new options and, only if they have no problem, swaps them in at once; a bad set
   * leaves the old rules in place and says why (for SIGHUP, with the same messages as check).
   */
  async reload(options: EventsOptions): Promise<ReloadResult> {
    const built = await this.compile(options);
    if (!built.ok) return built;
    this.use(built.rules);
    return { ok: true, events: built.rules.events.size };
  }

  /**
   * Compiles options against this engine's built-ins without touching its rules: the first
   * half of a reload that must swap other rules (the permissions) in the same turn.
   */
  compile(options: EventsOptions): Promise<BuildResult> {
    return buildRules(options, this.#deps.builtins);
  }

  /** Swaps compiled rules in, whole: events in flight finish on the rules they started with. */
  use(rules: CompiledRules): void {
    this.#rules = rules;
  }

  async handle(request: EventRequest, ports: EventPorts): Promise<EventOutcome> {
    const event = this.#rules.events.get(request.event);
    if (event === undefined) {
      const shown = JSON.stringify(request.event.slice(0, 64));
      return this.#refused(
        UNKNOWN_EVENT_LABEL,
        request,
        ports,
        refuse("unknown_event", `No event named ${shown} is declared.`),
      );
    }
    const target = readTarget(request.target, event.target);
    if (typeof target === "string") {
      return this.#refused(
        event.name,
        request,
        ports,
        refuse("invalid_target", `${event.name} ${target}.`, {
          reason: `events.${event.name}.target`,
        }),
      );
    }
    const run = new EventRun(
      event.name,
      randomUUID(),
      this.#clock(),
      request.id,
      ports,
      target,
      request.payload ?? EMPTY_PAYLOAD,
      this.#stepLogs,
    );
    let refusal: Refusal | undefined;
    try {
      refusal = await this.#run(event, run);
    } catch (error) {
      refusal = this.#failure(error, run);
    }
    if (refusal !== undefined) return this.#refused(event.name, request, ports, refusal);
    this.#deps.counters.accepted(event.name);
    if (event.export) (this.#deps.activity ?? NO_ACTIVITY).emit(declaredEvent(run));
    const outcome: EventOutcome = { ok: true, event: event.name, id: run.eventId, ts: run.ts };
    if (run.reply !== undefined) outcome.reply = run.reply;
    if (run.mail !== undefined) outcome.mail = run.mail;
    return outcome;
  }

  async #run(event: CompiledEvent, run: EventRun): Promise<Refusal | undefined> {
    for (const step of event.modifiers) {
      run.step = step.where;
      const refused = await step.definition.run(run, step.params.resolve(run, step.where));
      if (refused !== undefined) return refused;
    }
    const { actions, planned } = event;
    const ready: Array<Record<string, unknown>> = [];
    for (let i = 0; i < planned; i++) {
      const prepared = prepare(actions[i] as CompiledStep, run);
      if (prepared.refusal !== undefined) return prepared.refusal;
      ready.push(prepared.params);
    }
    for (const [i, step] of actions.entries()) {
      let params = ready[i];
      if (params === undefined) {
        const prepared = prepare(step, run);
        if (prepared.refusal !== undefined) return prepared.refusal;
        params = prepared.params;
      }
      run.step = step.where;
      const refused = await step.definition.run(run, params);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  #failure(error: unknown, run: EventRun): Refusal {
    if (error instanceof RefusedError) return error.refusal;
    if (error instanceof MissingPathError) {
      return refuse("template_path_missing", `${run.step}: ${error.message}.`, {
        reason: run.step,
        pointer: error.pointer,
      });
    }
    // A client can make a step fail as often as it likes: the lines are throttled per step.
    this.#refusals.warn(
      `event:${run.eventName}:failed:${run.step}`,
      { err: error, event: run.eventName, step: run.step },
      "event step failed",
    );
    return refuse("action_failed", `${run.step} failed; the steps before it stay done.`, {
      reason: run.step,
    });
  }

  #refused(
    label: string,
    request: EventRequest,
    ports: EventPorts,
    refusal: Refusal,
  ): EventOutcome {
    this.#deps.counters.refused(label, refusal.code);
    this.#refusals.warn(
      `event:${label}:${refusal.code}`,
      {
        event: request.event.slice(0, 64),
        user: ports.sender.userId,
        code: refusal.code,
        reason: refusal.reason,
      },
      `event refused: ${refusal.message}`,
    );
    return { ok: false, event: request.event, refusal };
  }
}

/** An action's parameters resolved and its check made, before any action runs (or in its turn). */
function prepare(
  step: CompiledStep,
  run: EventRun,
):
  | { params: Record<string, unknown>; refusal?: undefined }
  | { params?: undefined; refusal: Refusal } {
  run.step = step.where;
  const params = step.params.resolve(run, step.where);
  const refusal = step.definition.check?.(run, params);
  return refusal === undefined ? { params } : { refusal };
}
