import { loadNodeConfig } from "../server/compose/load-node-config.js";
import { ConfigError } from "../server/config/config-error.js";
import type { ConfigFlags, LoadedConfig } from "../server/config/load-config.js";
import { EXIT, exitWith } from "./exit-codes.js";

/**
 * The configuration from the working directory, the environment and these flags; on a
 * configuration that does not validate, says why on stderr and exits EXIT.config.
 */
export async function loadConfigOrExit(flags: ConfigFlags): Promise<LoadedConfig> {
  try {
    return await loadNodeConfig({ cwd: process.cwd(), env: process.env, flags });
  } catch (error) {
    if (error instanceof ConfigError) exitWith(EXIT.config, error.message);
    throw error;
  }
}
