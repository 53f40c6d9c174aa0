interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * Answers kept for a while, at most `maxEntries` of them: past it the oldest is dropped, so a
 * client sending ever new tokens cannot grow it without bound.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.clock()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      // Maps iterate in insertion order, so the first key is the oldest answer.
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.clock() + ttlMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}
