/**
 * The dialects a node can speak, as the configuration names them (`server.dialect`,
 * `endpoints[].dialect`). The same list as `DialectName` (dialects/dialect.ts): the composition
 * root fails to compile when the two differ. A name is added here when its dialect exists.
 */
export const dialectNames = ["native", "broadcast", "messagetransfer", "amqpchat"] as const;
