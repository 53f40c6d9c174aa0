import type { StepDefinition } from "../step-definition.js";
import type { CompiledParams } from "./step-params.js";
import type { TargetRule } from "./target-rule.js";

/** One step of an event, ready to run: its definition and its parameters, compiled. */
export interface CompiledStep {
  /** `events.chat.actions[1] (notify_room)`: the refusals' `reason`, the logs' `step`. */
  readonly where: string;
  readonly definition: StepDefinition;
  readonly params: CompiledParams;
}

/**
 * An event as the engine runs it: no configuration is read per event. `allow:` and `payload:`
 * are the first modifiers (require, validate).
 */
export interface CompiledEvent {
  readonly name: string;
  readonly target: TargetRule;
  readonly modifiers: readonly CompiledStep[];
  readonly actions: readonly CompiledStep[];
  /** `export: true`: once accepted, the event goes to the node's activity feed (the AMQP bridge). */
  readonly export: boolean;
  /**
   * How many actions, from the first, have their placeholders resolved and their checks made
   * before any action runs: all of them, unless one changes the payload (a webhook), after
   * which the rest resolve in their turn.
   */
  readonly planned: number;
}

/** A whole `events:` section, compiled; swapped whole on reload. */
export interface CompiledRules {
  readonly events: ReadonlyMap<string, CompiledEvent>;
}
