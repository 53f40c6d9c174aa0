import type { EventRefusalCode } from "./refusal.js";

/**
 * What the engine counts, for the metrics (metrics/ implements this over prom-client at
 * wiring time). Event names are those declared, plus `(unknown)` for every undeclared one, so
 * a client cannot make the label set grow.
 */
export interface EventCounters {
  accepted(event: string): void;
  refused(event: string, code: EventRefusalCode): void;
}

export const UNKNOWN_EVENT_LABEL = "(unknown)";

/** Counters in memory: for tests, and for a node without metrics. */
export class MemoryEventCounters implements EventCounters {
  readonly #accepted = new Map<string, number>();
  readonly #refused = new Map<string, number>();

  accepted(event: string): void {
    this.#accepted.set(event, (this.#accepted.get(event) ?? 0) + 1);
  }

  refused(event: string, code: EventRefusalCode): void {
    const key = `${event} ${code}`;
    this.#refused.set(key, (this.#refused.get(key) ?? 0) + 1);
  }

  acceptedCount(event: string): number {
    return this.#accepted.get(event) ?? 0;
  }

  refusedCount(event: string, code: EventRefusalCode): number {
    return this.#refused.get(`${event} ${code}`) ?? 0;
  }
}
