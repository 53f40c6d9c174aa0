import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../support/child-server.js";
import { expectKept } from "./chaos-expectations.js";
import { formatReport, replayCommand } from "./chaos-report.js";
import { runChaos } from "./chaos-run.js";
import { ManagedProcess } from "./managed-process.js";
import { newSeed } from "./seeded-random.js";

// A run cut short by its timeout leaves no process behind.
afterAll(() => ManagedProcess.killAll());

// CHAOS_SEED replays a run that failed (its seed is printed first, and in the failure).
const seed = process.env.CHAOS_SEED === undefined ? newSeed() : Number(process.env.CHAOS_SEED);
const cycles = 100;

describe("accepted means kept, on one SQLite node killed, paused and read slowly at random", () => {
  it("loses, reorders, duplicates and invents no mail over 100 faults, and the node comes back from each", async () => {
    console.log(
      `chaos sqlite seed ${seed}: ${replayCommand({ seed, cycles, topology: "sqlite" })}`,
    );
    const report = await runChaos({ seed, cycles, topology: "sqlite", cli: CLI });
    console.log(formatReport(report));
    expectKept(report);
    expect((report.faults.kill ?? 0) + (report.faults.kill_starting ?? 0)).toBeGreaterThan(50);
    if ((report.faults.slow_reader ?? 0) > 0) expect(report.slowReaders["1013"]).toBeGreaterThan(0);
  }, 600_000);
});
