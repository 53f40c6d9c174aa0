import type { RateDecision, RateLimitStore } from "./rate-limit-store.js";

interface Window {
  count: number;
  endsAt: number;
}

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/**
 * The rate-limit store of a node on its own: a Map of open windows. Bounded: past
 * `maxKeys` the closed windows are swept, and if that is not enough the oldest open one is
 * forgotten (its subject starts a new window: the limit errs towards letting through, never
 * towards refusing someone who did nothing).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly clock: () => number = () => performance.now(),
    private readonly maxKeys = 100_000,
  ) {}

  hit(key: string, limit: number, windowMs: number): RateDecision {
    const now = this.clock();
    const open = this.#windows.get(key);
    if (open !== undefined && open.endsAt > now) {
      if (open.count >= limit)
        return { allowed: false, retryAfterMs: Math.ceil(open.endsAt - now) };
      open.count += 1;
      return ALLOWED;
    }
    if (open !== undefined) this.#windows.delete(key);
    else if (this.#windows.size >= this.maxKeys) this.#makeRoom(now);
    this.#windows.set(key, { count: 1, endsAt: now + windowMs });
    return limit >= 1 ? ALLOWED : { allowed: false, retryAfterMs: windowMs };
  }

  /** Keys held now, for tests of the bound. */
  get size(): number {
    return this.#windows.size;
  }

  #makeRoom(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(key);
    }
    // Maps iterate in insertion order: the first key is the window opened longest ago.
    const oldest = this.#windows.keys().next();
    if (this.#windows.size >= this.maxKeys && !oldest.done) this.#windows.delete(oldest.value);
  }
}
