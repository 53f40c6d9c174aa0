import type { Duplex } from "node:stream";
import { clientAddress } from "../wire/client-address.js";

/**
 * How many connections the node holds, in all and per client address [LIMIT-3]. A cap of 0
 * is no cap. Counted from the upgrade to the close. Without a cap per address (the default),
 * the client's address is never read (wire/client-address.ts).
 */
export class ConnectionCaps {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: { maxConnections: number; maxConnectionsPerIp: number }) {}

  /** Whether any cap is set: with none, nothing needs counting (nor a listener per socket). */
  get counts(): boolean {
    return this.limits.maxConnections > 0 || this.limits.maxConnectionsPerIp > 0;
  }

  /** Why a new connection on `socket` is refused, or undefined to admit it. */
  refusal(
    socket: Duplex,
  ): "too_many_connections" | "too_many_connections_from_address" | undefined {
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    if (maxConnections > 0 && this.total >= maxConnections) return "too_many_connections";
    if (
      maxConnectionsPerIp > 0 &&
      (this.perAddress.get(clientAddress(socket)) ?? 0) >= maxConnectionsPerIp
    ) {
      return "too_many_connections_from_address";
    }
    return undefined;
  }

  opened(socket: Duplex): void {
    this.total += 1;
    if (this.limits.maxConnectionsPerIp <= 0) return;
    const address = clientAddress(socket);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  closed(socket: Duplex): void {
    this.total -= 1;
    if (this.limits.maxConnectionsPerIp <= 0) return;
    const address = clientAddress(socket);
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, count);
  }
}
