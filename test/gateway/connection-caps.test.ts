import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectionCaps } from "../../src/server/gateway/connection-caps.js";

/** A socket as the caps see it: its address, and how often it was read (a `getpeername`). */
function peer(address: string): { socket: Duplex; reads: () => number } {
  let reads = 0;
  const socket = {
    get remoteAddress() {
      reads += 1;
      return address;
    },
  } as unknown as Duplex;
  return { socket, reads: () => reads };
}

describe("connection caps", () => {
  it("never reads the client's address when no cap counts by address", () => {
    const caps = new ConnectionCaps({ maxConnections: 2, maxConnectionsPerIp: 0 });
    const [a, b, c] = [peer("192.0.2.1"), peer("192.0.2.1"), peer("192.0.2.1")];
    for (const { socket } of [a, b]) {
      expect(caps.refusal(socket)).toBeUndefined();
      caps.opened(socket);
    }
    expect(caps.refusal(c.socket)).toBe("too_many_connections");
    caps.closed(a.socket);
    expect(caps.refusal(c.socket)).toBeUndefined();
    expect([a.reads(), b.reads(), c.reads()]).toEqual([0, 0, 0]);
    // With no cap at all, the gateway counts nothing (and listens for no close to count).
    expect(caps.counts).toBe(true);
    expect(new ConnectionCaps({ maxConnections: 0, maxConnectionsPerIp: 0 }).counts).toBe(false);
  });

  it("counts by address, an IPv4 client seen through IPv6 as its IPv4 address, when a cap does", () => {
    const caps = new ConnectionCaps({ maxConnections: 0, maxConnectionsPerIp: 1 });
    const first = peer("::ffff:192.0.2.1");
    caps.opened(first.socket);
    expect(caps.refusal(peer("192.0.2.1").socket)).toBe("too_many_connections_from_address");
    expect(caps.refusal(peer("192.0.2.2").socket)).toBeUndefined();
    caps.closed(first.socket);
    expect(caps.refusal(peer("192.0.2.1").socket)).toBeUndefined();
  });
});
