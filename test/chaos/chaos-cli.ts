import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { failures, formatReport } from "./chaos-report.js";
import { type ChaosReport, runChaos } from "./chaos-run.js";
import { ManagedProcess } from "./managed-process.js";
import { newSeed } from "./seeded-random.js";
import type { FaultKind } from "./topology.js";

/**
 * `npm run chaos -- --cycles N --seed S [--topology sqlite|redis|both] [--json FILE]`: a long
 * chaos run by hand (scripts/chaos.mjs bundles this file and runs it). Exits 1 if any check
 * failed, and prints the seed to replay it.
 */
const { values } = parseArgs({
  options: {
    cycles: { type: "string", default: "100" },
    seed: { type: "string" },
    topology: { type: "string", default: "sqlite" },
    rate: { type: "string" },
    faults: { type: "string" },
    json: { type: "string" },
  },
});

/** `kill=3,pause=1`: the faults to draw from, with their weights. */
function parseFaults(text: string): Partial<Record<FaultKind, number>> {
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const [kind, weight] = pair.split("=");
      return [kind, weight === undefined ? 1 : Number(weight)];
    }),
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    ManagedProcess.killAll();
    process.exit(130);
  });
}

const cycles = Number(values.cycles);
const seed = values.seed === undefined ? newSeed() : Number(values.seed);
if (!Number.isInteger(cycles) || cycles < 1 || !Number.isInteger(seed) || seed < 0) {
  console.error("usage: npm run chaos -- --cycles N [--seed S] [--topology sqlite|redis|both]");
  process.exit(2);
}
const topologies = values.topology === "both" ? ["sqlite", "redis"] : [values.topology];
const reports: ChaosReport[] = [];
for (const topology of topologies) {
  if (topology !== "sqlite" && topology !== "redis") {
    console.error(`unknown topology ${topology}: sqlite, redis or both`);
    process.exit(2);
  }
  console.log(`chaos ${topology}: seed ${seed}, ${cycles} cycles`);
  const report = await runChaos({
    seed,
    cycles,
    topology,
    cli: resolve("dist/cli/main.js"),
    ...(values.rate === undefined ? {} : { mailsPerSecond: Number(values.rate) }),
    ...(values.faults === undefined ? {} : { faults: parseFaults(values.faults) }),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(formatReport(report));
  reports.push(report);
}
if (values.json !== undefined) {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(values.json, JSON.stringify(reports, null, 2));
}
const failed = reports.some((report) => Object.values(failures(report)).some((n) => n > 0));
process.exit(failed ? 1 : 0);
