import { isIPv4 } from "node:net";

/**
 * Whether `server.host` binds loopback only: 127.0.0.0/8, `::1` or `localhost`. Any other
 * name is resolved by the system when the node binds, possibly to a public address, so it
 * counts as not loopback: the safe side for every check that relaxes on loopback.
 */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost" || name === "::1") return true;
  const v4 = name.startsWith("::ffff:") ? name.slice("::ffff:".length) : name;
  return isIPv4(v4) && v4.startsWith("127.");
}
