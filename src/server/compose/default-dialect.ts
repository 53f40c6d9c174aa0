import type { Config } from "../config/config.js";
import type { DialectName } from "../dialects/dialect.js";

/** The dialect of `server.path`: chat mode (the `chat` preset) is the broadcast dialect. */
export function defaultDialect(config: Config): DialectName {
  return config.chat.enabled ? "broadcast" : config.server.dialect;
}

/** The configuration names exactly the dialects there are (config/schema/dialect-names.ts). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesAgree: Same<Config["server"]["dialect"], DialectName> = true;
void namesAgree;
