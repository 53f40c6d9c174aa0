import { Histogram, type Registry } from "prom-client";

/** The observations of one label set: bucket counts kept as plain numbers. */
export class Buckets {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one: above every bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }

  /** The samples of this label set in prom-client's form: cumulative buckets, sum, count. */
  samples(name: string): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i] as number;
      samples.push({
        metricName: `${name}_bucket`,
        labels: { ...this.labels, le: bound },
        value: cumulative,
      });
    });
    samples.push({
      metricName: `${name}_bucket`,
      labels: { ...this.labels, le: "+Inf" },
      value: this.count,
    });
    samples.push({ metricName: `${name}_sum`, labels: this.labels, value: this.sum });
    samples.push({ metricName: `${name}_count`, labels: this.labels, value: this.count });
    return samples;
  }
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A Prometheus histogram observed on the hot path: prom-client's `observe` allocates, hashes
 * and validates on every call (about 200 ns); this costs a short loop over the bounds. It is
 * a prom-client Histogram to the registry (registered, named, typed, aggregated as one), that
 * reports its own counts; every label set is made up front, so each is exposed from the start.
 */
export class BucketHistogram<L extends string> extends Histogram<L> {
  private readonly sets: Buckets[] = [];
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly helpText: string;

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    buckets: readonly number[];
    registry: Registry;
  }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      buckets: [...config.buckets],
      registers: [config.registry],
    });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.metricName = config.name;
    this.helpText = config.help;
  }

  /** The buckets of one label set, exposed (all at 0) from now on. (Not `buckets`: prom-client keeps its configuration under that name.) */
  series(labels: Record<L, string>): Buckets {
    const buckets = new Buckets(labels, this.bounds);
    this.sets.push(buckets);
    return buckets;
  }

  override async get() {
    return this.report();
  }

  /** What prom-client's registry reads to write the text exposition (Histogram has it too). */
  async getForPromString() {
    return this.report();
  }

  private report() {
    const name = this.metricName;
    // prom-client's own shape (its typings call `type` an enum; at run time it is the name).
    return {
      name,
      help: this.helpText,
      type: "histogram",
      aggregator: "sum",
      values: this.sets.flatMap((set) => set.samples(name)),
    } as unknown as Awaited<ReturnType<Histogram<L>["get"]>>;
  }
}
