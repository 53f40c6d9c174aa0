import { createBroadcastDialect } from "./broadcast/broadcast-dialect.js";
import type { Dialect, DialectContext, DialectName } from "./dialect.js";
import { createNativeDialect } from "./native/native-dialect.js";

/** Every dialect by name: adding one is a folder, a name in DialectName and a line here. */
const DIALECTS: { readonly [Name in DialectName]: (context: DialectContext) => Dialect } = {
  native: createNativeDialect,
  broadcast: createBroadcastDialect,
};

export function createDialect(name: DialectName, context: DialectContext): Dialect {
  return DIALECTS[name](context);
}
