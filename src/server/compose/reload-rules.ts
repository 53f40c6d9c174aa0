import type { Config } from "../config/config.js";
import { ConfigError } from "../config/config-error.js";
import type { LoadedConfig } from "../config/load-config.js";
import type { Logger } from "../log/logger.js";
import { EventRulesError } from "./event-rules.js";

/** What a reload did: the new rules taken, or the problems that kept the old ones. */
export type RulesReload =
  | { ok: true; events: number; restartNeeded: string[] }
  | { ok: false; problems: string[] };

/** A node, as a reload sees it (node.ts). */
export interface ReloadsRules {
  reload(config: Config): Promise<RulesReload>;
}

/**
 * SIGHUP: the configuration is read again, as at start (the same files, variables and flags,
 * the same checks, so a bad file is refused with the messages `postoffice check` prints), and
 * the node takes its events, plug-ins and permissions, all or none. Nothing is dropped: a file
 * with a problem leaves the rules in force, and says why in the log.
 */
export async function reloadRules(
  node: ReloadsRules,
  load: () => Promise<LoadedConfig>,
  log: Logger,
): Promise<RulesReload> {
  let loaded: LoadedConfig;
  try {
    loaded = await load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return refused(error instanceof EventRulesError ? [...error.lines] : [error.message], log);
  }
  const result = await node.reload(loaded.config);
  if (!result.ok) return refused(result.problems, log);
  log.info({ events: result.events, files: loaded.files }, "rules reloaded");
  if (result.restartNeeded.length > 0) {
    log.warn(
      { keys: result.restartNeeded },
      "a reload takes events, plugins and permissions only: the other keys that changed need a restart",
    );
  }
  return result;
}

function refused(problems: string[], log: Logger): RulesReload {
  log.error({ problems }, "reload refused: the rules in force stay");
  return { ok: false, problems };
}
