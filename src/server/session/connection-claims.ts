/** A claim on a key that one connection at a time may hold (dialect.ts, `Supersede`). */
export interface Claim {
  /** Scoped by the gateway (the dialect's name, then the dialect's key). */
  key: string;
  rank: bigint;
  /** On an equal rank, the newcomer wins. */
  winsTies: boolean;
}

/** Whether `claim` takes the key from a holder of `rank`: the seed's `oldTs >= ts` refuses. */
export function outranks(claim: Claim, rank: bigint): boolean {
  return claim.rank > rank || (claim.rank === rank && claim.winsTies);
}

interface Holding<S> {
  holder: S;
  rank: bigint;
}

/**
 * Who holds each key on this node (GO-POSTOFFICE's one connection per clientID). Taken at the
 * upgrade, in the same turn as the check, so that of two handshakes in flight for one key
 * exactly one is let in first and the other meets it; let go when the holder's socket closes,
 * only by the holder (a replaced connection that closes later leaves its successor's hold).
 */
export class ConnectionClaims<S extends { readonly isOpen: boolean }> {
  readonly #held = new Map<string, Holding<S>>();
  readonly #keyOf = new WeakMap<S, string>();

  /** The open connection that holds `key` and its rank, if any. */
  holding(key: string): Holding<S> | undefined {
    const holding = this.#held.get(key);
    return holding?.holder.isOpen ? holding : undefined;
  }

  /** `holder` holds `claim.key` from now on, whoever held it before. */
  hold(claim: Claim, holder: S): void {
    this.#held.set(claim.key, { holder, rank: claim.rank });
    this.#keyOf.set(holder, claim.key);
  }

  /** The connection is gone: its key is free, unless another holds it by now. */
  release(holder: S): void {
    const key = this.#keyOf.get(holder);
    if (key === undefined) return;
    this.#keyOf.delete(holder);
    if (this.#held.get(key)?.holder === holder) this.#held.delete(key);
  }
}
