import type { Duplex } from "node:stream";
import { CLOSE_CODES } from "../../protocol/index.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Probation, Session } from "../session/session.js";
import { clientAddress } from "../wire/client-address.js";
import { ConnectionCaps } from "./connection-caps.js";

/** `limits.unauthenticated`: what a connection may hold and send before it authenticates. */
export interface UnauthenticatedLimits {
  /** Unauthenticated connections on the node; 0 = no cap. */
  maxConnections: number;
  /** Unauthenticated connections from one address; 0 = no cap. */
  maxConnectionsPerIp: number;
  /** Bytes a connection may send (WebSocket headers included) before it authenticates. */
  maxBytes: number;
  /** Frames a connection may send (the `auth` frame included) before it authenticates. */
  maxFrames: number;
}

export type UnauthenticatedRefusal =
  | "too_many_unauthenticated"
  | "too_many_unauthenticated_from_address";

/**
 * The connections that have not authenticated yet [LIMIT-7], from the upgrade until they
 * authenticate or close. A client needs no credentials to hold one, so they have caps of their
 * own, in all and per address, well below the node's: a client without a token cannot take the
 * places that users need. And each has a small budget of bytes and frames before it
 * authenticates, past which it is closed with 1008: what it can make the node hold is counted
 * in kilobytes, not in the node's frame limits. A connection identified in its handshake (a
 * checked token, anonymous mode) never counts here.
 */
export class UnauthenticatedConnections {
  private readonly caps: ConnectionCaps;

  constructor(
    readonly limits: UnauthenticatedLimits,
    private readonly throttle: LogThrottle,
  ) {
    this.caps = new ConnectionCaps(limits);
  }

  /** Why one more unauthenticated connection on `socket` is refused, or undefined. */
  refusal(socket: Duplex): UnauthenticatedRefusal | undefined {
    const refusal = this.caps.refusal(socket);
    switch (refusal) {
      case "too_many_connections":
        return "too_many_unauthenticated";
      case "too_many_connections_from_address":
        return "too_many_unauthenticated_from_address";
      case undefined:
        return undefined;
      default: {
        const unknown: never = refusal;
        throw new Error(`unknown refusal ${String(unknown)}`);
      }
    }
  }

  /**
   * Takes a place for a connection about to open without an identity. Its probation ends, and
   * the place is given back, when it authenticates or closes (or when the upgrade fails).
   */
  hold(socket: Duplex): PendingConnection {
    this.caps.opened(socket);
    return new PendingConnection(this, socket);
  }

  /** A connection went over its budget: closed with 1008 (cut, if it is not a session yet). */
  overBudget(session: Session | undefined, socket: Duplex, what: string): void {
    this.throttle.warn(
      "unauthenticated_limit",
      { address: clientAddress(socket), over: what },
      "unauthenticated connection over its budget",
    );
    if (session === undefined) socket.destroy();
    else session.stopReading(CLOSE_CODES.policyViolation, "unauthenticated_limit");
  }

  /** A connection's probation ended: its place is free. */
  release(socket: Duplex): void {
    this.caps.closed(socket);
  }
}

/** The connection each watched socket belongs to; one listener serves them all. */
const pendingOf = new WeakMap<Duplex, PendingConnection>();

function onPendingData(this: Duplex, chunk: Buffer): void {
  pendingOf.get(this)?.received(chunk.length);
}

/** One connection on probation: its place, and what it has sent so far. */
export class PendingConnection implements Probation {
  private bytes = 0;
  private frames = 0;
  private session: Session | undefined;
  private over = false;
  private ended = false;

  constructor(
    private readonly owner: UnauthenticatedConnections,
    private readonly socket: Duplex,
  ) {}

  /**
   * Counts the socket's bytes from now on (ws has put the upgrade's leftover bytes back, so
   * they are counted too). The count comes before ws reads them: a frame that goes over the
   * budget is never handled, even if it came whole in one read.
   */
  watch(session: Session): void {
    if (this.ended) return;
    this.session = session;
    pendingOf.set(this.socket, this);
    this.socket.prependListener("data", onPendingData);
  }

  received(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.owner.limits.maxBytes) this.overBudget("bytes");
  }

  frame(): boolean {
    if (this.over) return false;
    this.frames += 1;
    if (this.frames <= this.owner.limits.maxFrames) return true;
    this.overBudget("frames");
    return false;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopWatching();
    this.owner.release(this.socket);
  }

  private overBudget(what: "bytes" | "frames"): void {
    if (this.over) return;
    this.over = true;
    this.stopWatching();
    this.owner.overBudget(this.session, this.socket, what);
  }

  private stopWatching(): void {
    this.socket.off("data", onPendingData);
    pendingOf.delete(this.socket);
  }
}
