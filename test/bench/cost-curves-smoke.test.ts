import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const BENCH = fileURLToPath(new URL("../../bench/cost-curves.mjs", import.meta.url));

interface Report {
  fanout: Array<{ members: number; deliveriesPerSecond: number; p99Ms: number }>;
  catchUp: Array<{ mails: number; mailsPerSecond: number; flushedMs: number }>;
  store: {
    sizes: Array<{ mails: number; entries: number; bytesPerEntry: number }>;
    heads: Array<{ mailboxes: number; headBytes: number }>;
  };
}

describe("the cost curves benchmark", () => {
  it("measures every curve on tiny counts and writes its charts and docs section", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-curves-smoke-"));
    try {
      const json = join(dir, "curves.json");
      const docs = join(dir, "benchmarks.md");
      const charts = join(dir, "charts");
      await writeFile(docs, "# Benchmarks\n");
      await exec(
        process.execPath,
        [
          BENCH,
          "--members=10,20",
          "--deliveries=200",
          "--fanout-duration=0.5",
          "--catchup-mails=50,200",
          "--store-mails=20000",
          "--mailboxes=100,1000",
          "--max-seconds=100",
          `--json=${json}`,
          `--docs=${docs}`,
          `--charts=${charts}`,
          "--quiet",
        ],
        { timeout: 110_000 },
      );
      const report = JSON.parse(await readFile(json, "utf8")) as Report;
      expect(report.fanout.map((p) => p.members)).toEqual([10, 20]);
      for (const p of report.fanout) expect(p.deliveriesPerSecond).toBeGreaterThan(0);
      expect(report.catchUp.map((p) => p.mails)).toEqual([50, 200]);
      for (const p of report.catchUp) {
        expect(p.mailsPerSecond).toBeGreaterThan(0);
        expect(p.flushedMs).toBeGreaterThan(0);
      }
      expect(report.store.sizes.at(-1)?.mails).toBe(20_000);
      expect(report.store.sizes.at(-1)?.bytesPerEntry).toBeGreaterThan(0);
      expect(report.store.heads.map((h) => h.mailboxes)).toEqual([100, 1000]);

      const svgs = (await readdir(charts)).sort();
      expect(svgs).toEqual([
        "cost-catch-up.svg",
        "cost-fanout-latency.svg",
        "cost-fanout-throughput.svg",
        "cost-mailbox-heads.svg",
        "cost-store-bytes.svg",
        "cost-store-size.svg",
      ]);
      for (const file of svgs)
        expect(await readFile(join(charts, file), "utf8")).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
      const page = await readFile(docs, "utf8");
      expect(page).toContain("<!-- cost-curves:start");
      expect(page).toContain("](charts/cost-catch-up.svg)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
