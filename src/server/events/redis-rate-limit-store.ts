import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import type { RateDecision, RateLimitStore } from "./rate-limit-store.js";

// One hit, atomically: the count and its expiry are set together, so a crash between them
// cannot leave a window that never closes. Returns {count, ms left in the window}.
const HIT = `
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

export interface RedisRateLimitStoreOptions {
  /** Makes the store's connection (the composition root's, under its policy). */
  connect: RedisConnector;
  keyPrefix: string;
}

/**
 * The `rate_limit` counts of a network of nodes, in Redis: every node counts against the same
 * windows, so a user's limit is the same whichever node they reach. A fixed window per key, on
 * Redis's clock (rate-limit-store.ts). The script is sent whole (EVAL) each time, as the other
 * Redis backends do: a Redis that forgot its scripts cannot refuse it. While Redis is away a
 * hit rejects at once, and the event is refused with `action_failed` (never let through
 * uncounted: a limit that vanishes when Redis does would be no limit).
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly connection: RedisConnection;

  constructor(private readonly options: RedisRateLimitStoreOptions) {
    this.connection = options.connect({ name: "rate-limits" });
  }

  /** Resolves once the connection is up (at once if it is). */
  whenReady(): Promise<void> {
    return this.connection.whenUp();
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const answer = await this.connection.redis.eval(
      HIT,
      1,
      `${this.options.keyPrefix}rate:${key}`,
      String(windowMs),
    );
    if (!Array.isArray(answer) || answer.length !== 2) {
      throw new Error(`rate-limit script returned ${JSON.stringify(answer)}`);
    }
    const [count, ttl] = answer as [number, number];
    return count <= limit ? ALLOWED : { allowed: false, retryAfterMs: Math.max(1, ttl) };
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
