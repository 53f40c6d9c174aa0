import { createAmqpChatDialect } from "./amqpchat/amqpchat-dialect.js";
import { createBroadcastDialect } from "./broadcast/broadcast-dialect.js";
import type { Dialect, DialectContext, DialectName } from "./dialect.js";
import { createMessageTransferDialect } from "./messagetransfer/messagetransfer-dialect.js";
import { createNativeDialect } from "./native/native-dialect.js";

/** What the node knows of a dialect before it makes one. */
export interface DialectEntry {
  create(context: DialectContext): Dialect;
  /**
   * Its clients claim their user id in the handshake (Admission.claimedId), so that a static
   * token for `*` may stand for that id. The configuration refuses such a token on an endpoint
   * whose dialect does not claim ids (compose/load-node-config.ts).
   */
  claimsIds: boolean;
}

/**
 * Every dialect by name: adding one is a folder, a name in DialectName (and in
 * config/schema/dialect-names.ts) and a line here (src/server/dialects/README.md).
 */
const DIALECTS: { readonly [Name in DialectName]: DialectEntry } = {
  native: { create: createNativeDialect, claimsIds: false },
  broadcast: { create: createBroadcastDialect, claimsIds: false },
  messagetransfer: { create: createMessageTransferDialect, claimsIds: true },
  amqpchat: { create: createAmqpChatDialect, claimsIds: true },
};

export function createDialect(name: DialectName, context: DialectContext): Dialect {
  return DIALECTS[name].create(context);
}

/** Whether the clients of this dialect claim their user id in the handshake. */
export function claimsIds(name: DialectName): boolean {
  return DIALECTS[name].claimsIds;
}
