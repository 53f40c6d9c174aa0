import type { SeededRandom } from "./seeded-random.js";

/**
 * The faults a run injects between stretches of traffic:
 * - `kill`: SIGKILL a node at a random moment, start it again on the same data;
 * - `kill_starting`: the same, then SIGKILL it again while it starts;
 * - `pause`: SIGSTOP a node for up to 1 s (1.5 s on a network), then SIGCONT;
 * - `slow_reader`: a recipient's device stops reading while mail pours in (cut with 1013);
 * - `kill_redis`: SIGKILL redis-server (AOF, `appendfsync always`), start it again;
 * - `pause_redis`: SIGSTOP redis-server for up to 2 s, then SIGCONT.
 */
export type FaultKind =
  | "kill"
  | "kill_starting"
  | "pause"
  | "slow_reader"
  | "kill_redis"
  | "pause_redis";

/** How each stop or restart went, for the report. */
export interface Timings {
  /** Node restarts: milliseconds from spawn to "postoffice is ready". */
  restarts: number[];
  /** After a Redis fault, by fault: milliseconds until every node answers /ready 200 again. */
  recoveries: Partial<Record<FaultKind, number[]>>;
  /** Every integrity check that did not answer "ok". */
  integrity: string[];
  integrityChecks: number;
}

/** The servers under test, seen from the harness: where to connect, and what can be done to them. */
export interface Topology {
  readonly name: "sqlite" | "redis";
  /** The faults it supports, with their weights. */
  readonly faults: Partial<Record<FaultKind, number>>;
  start(): Promise<void>;
  /** Every node's HTTP base URL (`/metrics`, `/ready`). */
  httpUrls(): string[];
  /** The URL of a node to connect to (any node; one that is down just refuses). */
  url(rng: SeededRandom): string;
  /** Applies a fault and brings everything back up. Not called for `slow_reader`. */
  inject(kind: FaultKind, rng: SeededRandom, checkIntegrity: boolean): Promise<void>;
  /** SIGTERM to every node (a drain); how each exited. */
  stop(): Promise<string[]>;
  /** After `stop`: the integrity of the stored data ("ok" when sound). */
  finalIntegrity(): Promise<string>;
  /** Kills whatever still runs and removes the data. */
  destroy(): Promise<void>;
  readonly timings: Timings;
}
