import { expect } from "vitest";
import { failures, formatReport } from "./chaos-report.js";
import type { ChaosReport } from "./chaos-run.js";
import { knownFailure } from "./known-failure.js";

/** The failure counts that are known today, each with where it is filed. */
export type KnownFailures = Partial<Record<string, string>>;

/**
 * Every failure count of a run is 0, except those marked as known (printed, not failed);
 * the run injected faults and the server came back from each.
 */
export function expectKept(report: ChaosReport, known: KnownFailures = {}): void {
  const text = formatReport(report);
  const counts = failures(report);
  for (const [name, pointer] of Object.entries(known)) {
    const count = counts[name] ?? 0;
    delete counts[name];
    if (pointer !== undefined) knownFailure(pointer, () => expect(count, name).toBe(0));
  }
  expect(counts, text).toEqual(Object.fromEntries(Object.keys(counts).map((name) => [name, 0])));
  expect(report.verdict.accepted, text).toBeGreaterThan(0);
  expect(report.timings.restarts.length, text).toBeGreaterThan(1);
}
