import {
  bucketFor,
  monotonicNow,
  type RateBucketOptions,
  type UserBuckets,
} from "./rate-limiter.js";

/**
 * Per-user buckets of this node. They outlive the user's connections until they have filled
 * up again, so that reconnecting does not reset a user's limits; full, unused ones are
 * forgotten so the map stays bounded by the users actually sending.
 */
export class UserRateLimits {
  private readonly users = new Map<string, UserBuckets>();
  private sweptAt: number;

  constructor(
    private readonly limits: { user: RateBucketOptions; message: RateBucketOptions },
    private readonly clock: () => number = monotonicNow,
  ) {
    this.sweptAt = clock();
  }

  for(userId: string): UserBuckets {
    const now = this.clock();
    if (now - this.sweptAt > 60_000) this.sweep(now);
    let buckets = this.users.get(userId);
    if (!buckets) {
      buckets = {
        all: bucketFor(this.limits.user, now),
        message: bucketFor(this.limits.message, now),
      };
      this.users.set(userId, buckets);
    }
    return buckets;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [userId, { all, message }] of this.users) {
      if (
        (all === undefined || all.isFull(now)) &&
        (message === undefined || message.isFull(now))
      ) {
        this.users.delete(userId);
      }
    }
  }
}
