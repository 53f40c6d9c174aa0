// Latency histogram with logarithmic buckets (2 % wide), mergeable across processes.

/**
 * Sparse form of a histogram, for IPC: [bucket, count] pairs of the buckets that are not empty.
 * @typedef {Array<[number, number]>} HistogramPairs
 */

const FACTOR = 1.02;
const LOG_FACTOR = Math.log(FACTOR);
const BUCKETS = 1300; // FACTOR ** 1300 µs ≈ 4 × 10^5 s: anything longer lands in the last one

export class Histogram {
  counts = new Float64Array(BUCKETS);
  total = 0;

  /**
   * Records one latency in milliseconds.
   * @param {number} ms
   */
  record(ms) {
    const us = ms * 1000;
    const bucket = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_FACTOR));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.total++;
  }

  reset() {
    this.counts.fill(0);
    this.total = 0;
  }

  /** @returns {HistogramPairs} */
  toJSON() {
    /** @type {HistogramPairs} */
    const pairs = [];
    for (let i = 0; i < BUCKETS; i++) {
      const count = this.counts[i] ?? 0;
      if (count > 0) pairs.push([i, count]);
    }
    return pairs;
  }

  /** @param {HistogramPairs} pairs */
  merge(pairs) {
    for (const [bucket, count] of pairs) {
      this.counts[bucket] = (this.counts[bucket] ?? 0) + count;
      this.total += count;
    }
  }

  /**
   * The p-th percentile in milliseconds (upper edge of its bucket), NaN when empty.
   * @param {number} p
   */
  percentile(p) {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return FACTOR ** i / 1000;
    }
    return FACTOR ** (BUCKETS - 1) / 1000;
  }
}
