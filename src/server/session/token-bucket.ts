/**
 * A token bucket: `burst` frames at once, then `perSecond` on average. Refilled lazily from
 * a monotonic clock when checked (a wall-clock step must not empty or fill it), so idle
 * buckets cost nothing.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Milliseconds until one token is available; 0 when one is available now. */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Whether the bucket is back to its full burst (nothing would be lost by forgetting it). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.refilledAt = now;
  }
}
