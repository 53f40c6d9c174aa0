import type { Config } from "../config/config.js";
import { ConfigError } from "../config/config-error.js";
import type { ConfigSources } from "../config/config-sources.js";
import type { LoadedConfig } from "../config/load-config.js";
import type { EventsOptions } from "../events/build-rules.js";
import { buildRules } from "../events/build-rules.js";
import { type BuiltinServices, builtinRegistry } from "../events/builtins.js";
import type { Problem } from "../events/compile/problem.js";
import { EventEngine, type EventEngineDeps } from "../events/event-engine.js";
import { MemoryRateLimitStore } from "../events/memory-rate-limit-store.js";
import { hasKey, usesDevSecret } from "./authenticator.js";

/**
 * The declared events could not be compiled: every problem, one line each with the file and
 * line that set it (`postoffice.yaml:12: /events/chat/actions/0: unknown action "shoutt" …`).
 * `postoffice start` prints the message and exits 78; `postoffice check` prints the lines.
 */
export class EventRulesError extends ConfigError {
  constructor(
    readonly lines: readonly string[],
    /** The files the configuration was read from. */
    readonly files: readonly string[] = [],
  ) {
    super(lines.join("\n"), { path: "/events" });
  }
}

/** The engine's options from the configuration. */
export function eventsOptions(config: Config): EventsOptions {
  return {
    events: config.events,
    plugins: config.plugins,
    permissionNames: config.permissions.names,
  };
}

/**
 * Compiles `events:` and `plugins:` as the node will, without its services (a memory store for
 * the rate limits; tokens checked by no one): what `start` and `check` refuse a file for.
 * Plug-ins are imported, so their code runs, as it would at start.
 */
export async function checkEventRules({ config, sources, files }: LoadedConfig): Promise<void> {
  const built = await buildRules(
    eventsOptions(config),
    builtinRegistry({
      rateLimits: new MemoryRateLimitStore(),
      tokens: checksTokens(config) ? { verify: async () => ({}) } : undefined,
    }),
  );
  if (!built.ok) {
    throw new EventRulesError(
      built.problems.map((p) => problemLine(p, sources)),
      files,
    );
  }
}

/** An engine bound to this node's services, on the configuration's events. */
export async function buildEventEngine(
  config: Config,
  services: BuiltinServices,
  deps: Omit<EventEngineDeps, "builtins">,
): Promise<EventEngine> {
  const created = await EventEngine.create(eventsOptions(config), {
    ...deps,
    builtins: builtinRegistry(services),
  });
  if (!created.ok) {
    // load-node-config refused these already; a caller that skipped it is told the same.
    throw new EventRulesError(created.problems.map((p) => `${p.pointer}: ${p.message}`));
  }
  return created.engine;
}

/** `postoffice.yaml:12: /events/chat/actions/0/shoutt: unknown action "shoutt" (known: …)`. */
export function problemLine(problem: Problem, sources: ConfigSources): string {
  const source = sources.describe(problem.pointer);
  return `${source === undefined ? "" : `${source}: `}${problem.pointer}: ${problem.message}`;
}

/** Whether `secure` has keys to check tokens with: auth.jwt's, or the development secret. */
function checksTokens(config: Config): boolean {
  const jwt = config.auth.jwt;
  return (jwt !== undefined && hasKey(jwt)) || usesDevSecret(config.auth);
}
