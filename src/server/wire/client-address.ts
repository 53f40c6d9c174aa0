import type { Duplex } from "node:stream";

/**
 * The client's address as a socket sees it; an IPv4 client seen through an IPv6 socket counts
 * as its IPv4 address. Read only where it is used (a per-address cap, an authenticator that
 * rations by address, a log line): the first read costs a `getpeername` system call, which
 * most connections never need. A socket keeps its address once read.
 */
export function clientAddress(socket: Duplex): string {
  const address = (socket as { remoteAddress?: string | undefined }).remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
