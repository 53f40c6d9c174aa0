import { loadNodeConfig } from "../server/compose/load-node-config.js";
import { ConfigError } from "../server/config/config-error.js";
import type { ConfigFlags, LoadedConfig } from "../server/config/load-config.js";

/** Exit status for flags that do not make sense together (sysexits.h EX_USAGE). */
export const EXIT_USAGE = 64;

/** Exit status for a configuration that does not validate (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * The configuration from the working directory, the environment and these flags; on a
 * configuration that does not validate, says why on stderr and exits EXIT_CONFIG.
 */
export async function loadConfigOrExit(flags: ConfigFlags): Promise<LoadedConfig> {
  try {
    return await loadNodeConfig({ cwd: process.cwd(), env: process.env, flags });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`postoffice: ${error.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
}
