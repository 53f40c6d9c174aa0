import type { ChaosReport } from "./chaos-run.js";

/** The replay command for a run (printed with every report). */
export function replayCommand(report: Pick<ChaosReport, "seed" | "cycles" | "topology">): string {
  return `npm run chaos -- --topology ${report.topology} --cycles ${report.cycles} --seed ${report.seed}`;
}

/** The p-th percentile (0-100) of some numbers, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The failures a run must not have, by name (all empty or 0 on a good run). */
export function failures(report: ChaosReport): Record<string, number> {
  const v = report.verdict;
  return {
    lost: v.lost.length,
    reordered: v.reordered.length,
    storedTwice: v.storedTwice.length,
    phantoms: v.phantoms.length,
    refusedButStored: v.refusedButStored.length,
    vanished: v.vanished.length,
    holes: v.holes.length,
    receiptErrors: v.receiptErrors.length,
    unresolved: report.unresolved,
    integrity: report.timings.integrity.length + (report.finalIntegrity.startsWith("ok") ? 0 : 1),
    badExits: report.exits.filter((exit) => exit !== "exit 0").length,
    ...report.live,
  };
}

/** A few lines a person reads: what ran, the figures, and every anomaly with examples. */
export function formatReport(report: ChaosReport): string {
  const v = report.verdict;
  const ms = (value: number): string => (Number.isNaN(value) ? "-" : `${Math.round(value)} ms`);
  const restarts = report.timings.restarts;
  const recoveries = Object.entries(report.timings.recoveries).map(
    ([kind, list]) =>
      `${kind} ${list.length}× p50 ${ms(percentile(list, 50))} p99 ${ms(percentile(list, 99))} max ${ms(Math.max(...list))}`,
  );
  const lines = [
    `chaos ${report.topology}: seed ${report.seed}, ${report.cycles} cycles in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  replay: ${replayCommand(report)}`,
    `  faults: ${JSON.stringify(report.faults)}; slow readers: ${JSON.stringify(report.slowReaders)}`,
    `  mails: ${v.mails} sent, ${v.accepted} accepted, ${v.attempts} attempts ${JSON.stringify(v.outcomes)}`,
    `  lost ${v.lost.length}, reordered ${v.reordered.length}, stored twice ${v.storedTwice.length}, phantoms ${v.phantoms.length}, vanished ${v.vanished.length}, holes ${v.holes.length}, receipt errors ${v.receiptErrors.length}, unresolved ${report.unresolved}`,
    `  store_unavailable but stored: ${v.refusedButStored.length} (never accepted after: ${v.refusedButStoredNeverAccepted}); stored with outcome_unknown ${v.storedOutcomeUnknown}, internal_error ${v.storedInternalError}, unanswered ${v.storedUnanswered}`,
    `  given up: ${v.abandoned} (stored anyway: ${v.abandonedStored}); redeliveries (allowed): ${v.redeliveries}; sessions that could not start (1011): ${report.sessionsFailed}`,
    `  restarts: ${restarts.length}, p50 ${ms(percentile(restarts, 50))}, p99 ${ms(percentile(restarts, 99))}, max ${ms(restarts.length > 0 ? Math.max(...restarts) : Number.NaN)}` +
      (recoveries.length > 0 ? `; back to /ready after ${recoveries.join(", ")}` : ""),
    `  integrity: ${report.timings.integrityChecks} checks, final ${report.finalIntegrity}; exits on SIGTERM: ${report.exits.join(", ")}`,
  ];
  const live = Object.entries(report.live);
  if (live.length > 0) lines.push(`  live anomalies: ${JSON.stringify(Object.fromEntries(live))}`);
  const examples: Array<[string, string[]]> = [
    ["lost", v.lost],
    ["reordered", v.reordered],
    ["stored twice", v.storedTwice],
    ["phantom", v.phantoms],
    ["store_unavailable but stored", v.refusedButStored],
    ["vanished", v.vanished],
    ["hole", v.holes],
    ["receipt", v.receiptErrors],
    ["integrity", report.timings.integrity],
  ];
  for (const [label, list] of examples)
    for (const item of list.slice(0, 5)) lines.push(`  ${label}: ${item}`);
  for (const example of report.examples) lines.push(`  ${example}`);
  return lines.join("\n");
}
