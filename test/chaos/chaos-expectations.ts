import { expect } from "vitest";
import { failures, formatReport } from "./chaos-report.js";
import type { ChaosReport } from "./chaos-run.js";

/** Every failure count of a run is 0; the run injected faults and the server came back from each. */
export function expectKept(report: ChaosReport): void {
  const text = formatReport(report);
  const counts = failures(report);
  expect(counts, text).toEqual(Object.fromEntries(Object.keys(counts).map((name) => [name, 0])));
  expect(report.verdict.accepted, text).toBeGreaterThan(0);
  expect(report.timings.restarts.length, text).toBeGreaterThan(1);
}
