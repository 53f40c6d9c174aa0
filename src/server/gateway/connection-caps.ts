/**
 * How many connections the node holds, in all and per client address [LIMIT-3]. A cap of 0
 * is no cap. Counted from the upgrade to the close.
 */
export class ConnectionCaps {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: { maxConnections: number; maxConnectionsPerIp: number }) {}

  /** Why a new connection from `address` is refused, or undefined to admit it. */
  refusal(
    address: string,
  ): "too_many_connections" | "too_many_connections_from_address" | undefined {
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    if (maxConnections > 0 && this.total >= maxConnections) return "too_many_connections";
    if (maxConnectionsPerIp > 0 && (this.perAddress.get(address) ?? 0) >= maxConnectionsPerIp) {
      return "too_many_connections_from_address";
    }
    return undefined;
  }

  opened(address: string): void {
    this.total += 1;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    this.total -= 1;
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, count);
  }
}
