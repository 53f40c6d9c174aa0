import type { Config } from "./config.js";
import { validate } from "./validate-config.js";

/**
 * The configuration of zero configuration: every default of the schema, as loading an empty
 * file gives it (before relative paths are resolved: `server.dataDir` is `./data`). Frozen all
 * the way down, since it is shared: a caller that edits it in place fails loudly instead of
 * changing every later user's defaults. Take a `structuredClone` to change it.
 */
export const defaultConfig: Config = deepFreeze(validate({}));

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
