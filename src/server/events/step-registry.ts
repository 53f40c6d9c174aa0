import type { StepDefinition, StepKind } from "./step-definition.js";

/** A step's name: what YAML writes, so lowercase and `_` (GoDispatch's start with `_`). */
export const STEP_NAME = /^[a-z_][a-z0-9_]{0,63}$/;

/**
 * The actions and modifiers configurations may name: the built-ins and the plug-ins' steps.
 * A name is taken once per kind: a plug-in cannot replace a built-in (a typo would otherwise
 * silently change what `join` does).
 */
export class StepRegistry {
  readonly #steps: Record<StepKind, Map<string, StepDefinition>> = {
    action: new Map(),
    modifier: new Map(),
  };

  /** Adds a definition; a problem in words if its name is bad or taken. */
  add(definition: StepDefinition, origin: string): string | undefined {
    const { kind, name } = definition;
    if (!STEP_NAME.test(name)) {
      return `${origin}: ${kind} name ${JSON.stringify(name)} must be lowercase letters, digits and _`;
    }
    const steps = this.#steps[kind];
    if (steps.has(name)) return `${origin}: there is already a ${kind} named ${name}`;
    steps.set(name, definition);
    return undefined;
  }

  get(kind: StepKind, name: string): StepDefinition | undefined {
    return this.#steps[kind].get(name);
  }

  names(kind: StepKind): string[] {
    return [...this.#steps[kind].keys()];
  }

  /** A copy, to which a reload adds its plug-ins without touching this one. */
  copy(): StepRegistry {
    const copy = new StepRegistry();
    for (const kind of ["action", "modifier"] as const) {
      for (const [name, definition] of this.#steps[kind]) copy.#steps[kind].set(name, definition);
    }
    return copy;
  }
}
