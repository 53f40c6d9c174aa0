import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const BENCH = fileURLToPath(new URL("../../bench/durable-mail.mjs", import.meta.url));

describe("the durable mail benchmark", () => {
  it("runs end to end on tiny counts and reports both stores", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-smoke-"));
    try {
      const out = join(dir, "result.json");
      await exec(process.execPath, [
        BENCH,
        "--pairs",
        "2",
        "--count",
        "20",
        "--rate",
        "200",
        "--quiet",
        "--json",
        out,
      ]);
      const report = JSON.parse(await readFile(out, "utf8")) as {
        results: Array<{
          store: string;
          mails: number;
          mailsPerSecond: number;
          pacedDeliveryP99Ms: number;
        }>;
      };
      expect(report.results.map((r) => r.store)).toEqual(["memory", "sqlite"]);
      for (const result of report.results) {
        expect(result.mails).toBe(40);
        expect(result.mailsPerSecond).toBeGreaterThan(0);
        expect(result.pacedDeliveryP99Ms).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
