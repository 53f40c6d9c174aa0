import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { describeWith } from "../support/system-programs.js";

const exec = promisify(execFile);
const BENCH = fileURLToPath(new URL("../../bench/workers.mjs", import.meta.url));

describeWith("redis-server", "the workers benchmark", () => {
  it("runs one process and --workers 2 on tiny counts and reports both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-workers-smoke-"));
    try {
      const out = join(dir, "result.json");
      await exec(process.execPath, [
        BENCH,
        "--pairs",
        "2",
        "--count",
        "10",
        "--members",
        "5",
        "--messages",
        "5",
        "--quiet",
        "--json",
        out,
      ]);
      const report = JSON.parse(await readFile(out, "utf8")) as {
        results: Array<{
          workers: number;
          mailPerSecond: number;
          fanOutDeliveriesPerSecond: number;
        }>;
      };
      expect(report.results.map((r) => r.workers)).toEqual([1, 2]);
      for (const result of report.results) {
        expect(result.mailPerSecond).toBeGreaterThan(0);
        expect(result.fanOutDeliveriesPerSecond).toBeGreaterThan(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
