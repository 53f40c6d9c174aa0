import type { RateBucketConfig } from "../config/config.js";
import { TokenBucket } from "./token-bucket.js";

export interface RateLimits {
  connection: RateBucketConfig;
  user: RateBucketConfig;
  message: RateBucketConfig;
  closeAfterRefusals: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number; flooding: boolean };

export function bucketFor(config: RateBucketConfig, now: number): TokenBucket | undefined {
  return config.perSecond > 0 ? new TokenBucket(config.perSecond, config.burst, now) : undefined;
}

/**
 * One connection's rate limits [LIMIT-1]: every frame against the connection's bucket, the
 * user's bucket (shared by the user's connections to this node) once authenticated, and
 * `message` frames against their own. A frame is let through only if every bucket that
 * applies has a token, and then takes one from each; a refused frame takes none.
 */
export class RateLimiter {
  private readonly connection: TokenBucket | undefined;
  private readonly message: TokenBucket | undefined;
  private refusalsInARow = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: () => number = Date.now,
  ) {
    const now = clock();
    this.connection = bucketFor(limits.connection, now);
    this.message = bucketFor(limits.message, now);
  }

  check(frameType: string, userBucket: TokenBucket | undefined): RateDecision {
    const now = this.clock();
    const buckets = [
      this.connection,
      userBucket,
      frameType === "message" ? this.message : undefined,
    ];
    let wait = 0;
    for (const bucket of buckets) if (bucket) wait = Math.max(wait, bucket.waitMs(now));
    if (wait > 0) {
      this.refusalsInARow += 1;
      return {
        ok: false,
        retryAfterMs: wait,
        flooding: this.refusalsInARow >= this.limits.closeAfterRefusals,
      };
    }
    this.refusalsInARow = 0;
    for (const bucket of buckets) bucket?.take();
    return { ok: true };
  }
}
