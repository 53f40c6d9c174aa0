import { performance } from "node:perf_hooks";
import { SendHold } from "./send-hold.js";
import { TokenBucket } from "./token-bucket.js";

/** One token bucket: `burst` frames at once, then `perSecond` on average; 0 = no limit. */
export interface RateBucketOptions {
  perSecond: number;
  burst: number;
}

export interface RateLimits {
  connection: RateBucketOptions;
  user: RateBucketOptions;
  message: RateBucketOptions;
  closeAfterRefusals: number;
}

export type RateDecision =
  | { ok: true }
  | {
      ok: false;
      retryAfterMs: number;
      flooding: boolean;
      /** Refused behind an earlier send refused for rate, not yet sent again: its id. */
      heldBehind?: string;
    };

/** A user's buckets, shared by all their connections to this node. */
export interface UserBuckets {
  all: TokenBucket | undefined;
  message: TokenBucket | undefined;
}

export const monotonicNow = (): number => performance.now();

export function bucketFor(config: RateBucketOptions, now: number): TokenBucket | undefined {
  return config.perSecond > 0 ? new TokenBucket(config.perSecond, config.burst, now) : undefined;
}

/** Frame types that say something to others, limited by the `message` buckets. */
const SPEECH = new Set(["message", "broadcast"]);

/**
 * One connection's rate limits [LIMIT-1]: every frame against the connection's bucket and
 * the user's, and messages and broadcasts also against the connection's and the user's
 * `message` buckets. A frame passes only if every bucket that applies has a token, and then
 * takes one from each. A refused frame takes none, but spends the connection's refusal
 * budget (`closeAfterRefusals`, refilled over ten seconds): a client that keeps sending
 * into a closed bucket is flooding, however it interleaves allowed frames. A message or
 * broadcast refused holds back the ones behind it until it comes back (SendHold) [LIMIT-5].
 */
export class RateLimiter {
  private readonly connection: TokenBucket | undefined;
  private readonly message: TokenBucket | undefined;
  private readonly refusals: TokenBucket;
  /** Made at the first send refused: what the later sends wait for. */
  private hold: SendHold | undefined;

  constructor(
    limits: RateLimits,
    private readonly clock: () => number = monotonicNow,
  ) {
    const now = clock();
    this.connection = bucketFor(limits.connection, now);
    this.message = bucketFor(limits.message, now);
    this.refusals = new TokenBucket(limits.closeAfterRefusals / 10, limits.closeAfterRefusals, now);
  }

  /** `id`: the frame's, which a send refused for rate is recognized by when it comes back. */
  check(frameType: string, user: UserBuckets | undefined, id?: string): RateDecision {
    const now = this.clock();
    const speech = SPEECH.has(frameType);
    const held = speech ? this.hold?.check(id, now) : undefined;
    if (held !== undefined) {
      this.refusals.take();
      const flooding = this.refusals.waitMs(now) > 0;
      return { ok: false, retryAfterMs: held.retryAfterMs, flooding, heldBehind: held.ref };
    }
    const buckets = [
      this.connection,
      user?.all,
      speech ? this.message : undefined,
      speech ? user?.message : undefined,
    ];
    let wait = 0;
    for (const bucket of buckets) if (bucket) wait = Math.max(wait, bucket.waitMs(now));
    if (wait > 0) {
      this.refusals.take();
      if (speech) {
        this.hold ??= new SendHold();
        this.hold.hold(id, now, wait);
      }
      return { ok: false, retryAfterMs: wait, flooding: this.refusals.waitMs(now) > 0 };
    }
    for (const bucket of buckets) bucket?.take();
    return { ok: true };
  }
}
