import { compileEvents } from "./compile/compile-events.js";
import type { CompiledRules } from "./compile/compiled-rules.js";
import type { Problem } from "./compile/problem.js";
import { loadPlugins } from "./load-plugins.js";
import type { StepRegistry } from "./step-registry.js";

/** The engine's options: the configuration's `events:` and `plugins:`, paths made absolute. */
export interface EventsOptions {
  /** The `events:` mapping as loaded; checked here, not by the configuration's schema. */
  events: unknown;
  /** Absolute paths of ES modules exporting actions and modifiers. */
  plugins: readonly string[];
  /**
   * The permission names a token's `perms` claim may carry (GoDispatch's `permissions:` list,
   * `permissions.names`): when given, `allow`/`require` may only ask for these.
   */
  permissionNames?: readonly string[];
}

export type BuildResult = { ok: true; rules: CompiledRules } | { ok: false; problems: Problem[] };

/**
 * Loads the plug-ins into a copy of `builtins` and compiles the events against it: what both
 * start and reload do, and what `postoffice check` reports on. Every problem is listed.
 */
export async function buildRules(
  options: EventsOptions,
  builtins: StepRegistry,
): Promise<BuildResult> {
  const registry = builtins.copy();
  const plugins = await loadPlugins(options.plugins);
  const problems = [...plugins.problems];
  for (const { definition, origin } of plugins.steps) {
    const problem = registry.add(definition, origin);
    if (problem !== undefined) problems.push({ pointer: "/plugins", message: problem });
  }
  const compiled = compileEvents(options.events, registry, options.permissionNames);
  if (!compiled.ok) problems.push(...compiled.problems);
  if (problems.length > 0 || !compiled.ok) return { ok: false, problems };
  return compiled;
}
