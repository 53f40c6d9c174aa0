import { Counter, type Registry } from "prom-client";

/** The count of one label set: incremented in place on the hot path (`tally.n += 1`). */
export class Tally {
  n = 0;
  /** What the prom-client counter has been told so far. */
  reported = 0;
  constructor(readonly labels: Record<string, string>) {}
}

/**
 * A Prometheus counter whose counts are plain numbers, handed to prom-client at each scrape.
 * prom-client hashes and validates the labels on every `inc` (about 150 ns, labels bound or
 * not); a frame's path pays a field increment instead. Every label set is made up front, so
 * each is exposed at 0 from the start.
 */
export class TallyCounter<L extends string> {
  private readonly counter: Counter<L>;
  private readonly tallies: Tally[] = [];

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    registry: Registry;
  }) {
    this.counter = new Counter({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
      collect: () => this.report(),
    });
  }

  /** The tally of one label set, exposed at 0 from now on. */
  tally(labels: Record<L, string>): Tally {
    const tally = new Tally(labels);
    this.counter.inc(labels, 0);
    this.tallies.push(tally);
    return tally;
  }

  private report(): void {
    for (const tally of this.tallies) {
      if (tally.n === tally.reported) continue;
      this.counter.inc(tally.labels as Record<L, string>, tally.n - tally.reported);
      tally.reported = tally.n;
    }
  }
}

/** One tally per value of one label (the others fixed), found by value; made when first seen. */
export class TallyByLabel<V extends string> {
  private readonly byValue = new Map<string, Tally>();

  constructor(
    private readonly make: (value: string) => Tally,
    values: readonly V[],
  ) {
    for (const value of values) this.byValue.set(value, make(value));
  }

  get(value: V): Tally {
    let tally = this.byValue.get(value);
    if (tally === undefined) {
      tally = this.make(value);
      this.byValue.set(value, tally);
    }
    return tally;
  }

  *entries(): IterableIterator<[string, Tally]> {
    yield* this.byValue;
  }
}
