import ipaddr from "ipaddr.js";

export interface AddressBudgetOptions {
  /** Attempts one address may make per window (the bucket's size). */
  budget: number;
  /** The time in which a spent budget refills. */
  windowMs: number;
  /** Addresses remembered at most; past it the oldest is forgotten. */
  maxAddresses: number;
  /** Monotonic milliseconds. */
  clock: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Whether an attempt may go ahead, or when the address may try again. */
export type BudgetVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * A token bucket per client address. IPv6 addresses count per /64, the block one subscriber
 * usually holds, so that stepping through one's own addresses gains nothing; an IPv4-mapped
 * IPv6 address counts as the IPv4 address.
 */
export class AddressBudget {
  readonly #options: AddressBudgetOptions;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: AddressBudgetOptions) {
    this.#options = options;
  }

  take(address: string): BudgetVerdict {
    const { budget, windowMs, maxAddresses, clock } = this.#options;
    const key = addressKey(address);
    const now = clock();
    const perMs = budget / windowMs;
    const seen = this.#buckets.get(key);
    const tokens =
      seen === undefined ? budget : Math.min(budget, seen.tokens + (now - seen.at) * perMs);
    if (tokens < 1) {
      return { ok: false, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
    }
    this.#buckets.delete(key);
    while (this.#buckets.size >= maxAddresses) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done) break;
      this.#buckets.delete(oldest.value);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }

  /** Forgets every address: the trouble is over. */
  clear(): void {
    this.#buckets.clear();
  }
}

/** The key an address is counted under. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const bytes = parsed.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}
