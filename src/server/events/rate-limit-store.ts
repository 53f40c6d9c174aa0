/**
 * Counts for the `rate_limit` modifier, shared by every node that shares the store.
 *
 * Contract (each implementation's tests run test/events/rate-limit-store.contract.ts):
 * - A fixed window per key, as GoDispatch's: it opens at the key's first hit and lasts
 *   `windowMs`; the first `limit` hits in it are allowed, later ones refused with the time
 *   left until it closes. The next hit after it closes opens a new window.
 * - Atomic: hits on one key from any number of callers (or nodes) are counted exactly once
 *   each; two hits can never both be the `limit`-th.
 * - State expires with its window: an idle key costs nothing after `windowMs`.
 *
 * A Redis implementation does, in one script per hit (so the count and its expiry cannot be
 * separated by a crash): `n = INCR key; if n == 1 then PEXPIRE key windowMs end;
 * ttl = PTTL key`, and answers allowed when `n <= limit`, else `retryAfterMs = ttl`; keys
 * under the node's `redis.keyPrefix`. Memory: one small key per active (rule, subject).
 */
export interface RateLimitStore {
  hit(key: string, limit: number, windowMs: number): RateDecision | Promise<RateDecision>;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };
