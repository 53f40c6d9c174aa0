import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const BENCH = fileURLToPath(new URL("../../bench/side-by-side.mjs", import.meta.url));

interface Phase {
  p50Ms: number;
  p99Ms: number;
  serverCpuPercent: number;
  generatorCpuPercent: number;
  lostConnections: number;
}
type ByServer<T> = Record<string, T>;
interface Report {
  fanout: {
    settings: { rates: number[] };
    results: ByServer<{
      saturation: Phase & { deliveriesPerSecond: number };
      paced: Array<Phase & { rate: number; deliveriesPerSecond: number }>;
    }>;
  };
  direct: {
    results: ByServer<{
      saturation: Phase & { mailsPerSecond: number };
      paced: Phase & { mailsPerSecond: number; undelivered: number };
    }>;
  };
  idle: Array<{
    connections: number;
    results: ByServer<{
      open: number;
      generators: number;
      loaded: { rss: number; heapUsed: number };
    }>;
  }>;
  connrate: { results: ByServer<{ connectionsPerSecond: number }> };
}

describe("the side-by-side benchmark", () => {
  it("runs every scenario against Postoffice, bare ws and Socket.IO on tiny counts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-side-by-side-smoke-"));
    try {
      const json = join(dir, "result.json");
      const docs = join(dir, "benchmarks.md");
      const { stdout } = await exec(process.execPath, [
        BENCH,
        ...["--fanout-clients", "4", "--fanout-duration", "0.3", "--fanout-rate", "50,100"],
        ...["--direct-pairs", "2", "--direct-duration", "0.3", "--direct-rate", "100"],
        ...["--idle-connections", "10,20", "--idle-settle", "0.1"],
        ...["--connrate-concurrency", "2", "--connrate-duration", "0.3"],
        ...["--warmup", "0.1", "--generators", "1", "--max-seconds", "100"],
        ...["--json", json, "--markdown", join(dir, "result.md"), "--docs", docs, "--quiet"],
      ]);
      const report = JSON.parse(await readFile(json, "utf8")) as Report;

      const servers = ["postoffice", "ws", "socketio"];
      expect(Object.keys(report.fanout.results)).toEqual(servers);
      expect(report.fanout.settings.rates).toEqual([50, 100]);
      for (const result of Object.values(report.fanout.results)) {
        expect(result.saturation.deliveriesPerSecond).toBeGreaterThan(0);
        expect(result.saturation.lostConnections).toBe(0);
        // One measured paced phase per rate.
        expect(result.paced.map((phase) => phase.rate)).toEqual([50, 100]);
        for (const phase of result.paced) {
          expect(phase.deliveriesPerSecond).toBeGreaterThan(0);
          expect(phase.p99Ms).toBeGreaterThan(0);
          expect(phase.serverCpuPercent).toBeGreaterThanOrEqual(0);
        }
      }
      expect(Object.keys(report.direct.results)).toEqual([
        "postoffice-memory",
        "postoffice-sqlite",
        "ws",
        "socketio",
      ]);
      for (const result of Object.values(report.direct.results)) {
        expect(result.saturation.mailsPerSecond).toBeGreaterThan(0);
        expect(result.paced.undelivered).toBe(0);
        expect(result.paced.p50Ms).toBeGreaterThan(0);
      }
      expect(report.idle.map((idle) => idle.connections)).toEqual([10, 20]);
      for (const idle of report.idle)
        for (const result of Object.values(idle.results)) {
          expect(result.open).toBe(idle.connections);
          expect(result.generators).toBe(1);
          expect(result.loaded.rss).toBeGreaterThan(0);
          expect(result.loaded.heapUsed).toBeGreaterThan(0);
        }
      for (const server of servers)
        expect(report.connrate.results[server]?.connectionsPerSecond).toBeGreaterThan(0);

      // The table on stdout, and the same in the regenerated docs section.
      expect(stdout).toContain("| Scenario | Figure | Postoffice | bare ws | Socket.IO |");
      expect(stdout).toContain("direct mail, SQLite store");
      expect(stdout).toContain("p99 latency, ms (paced, 50 publishes/s)");
      expect(stdout).toContain("p99 latency, ms (paced, 100 publishes/s)");
      expect(stdout).toContain("fan-out p99 < 100 ms at 500k deliveries/s");
      const page = await readFile(docs, "utf8");
      expect(page).toContain("<!-- side-by-side:start");
      expect(page).toContain("Postoffice ÷ Socket.IO");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("parses every frame in full with --parse full", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-side-by-side-full-"));
    try {
      const json = join(dir, "result.json");
      const { stdout } = await exec(process.execPath, [
        BENCH,
        ...["--only", "fanout,direct", "--servers", "postoffice,socketio", "--parse", "full"],
        ...["--fanout-clients", "4", "--fanout-duration", "0.3", "--fanout-rate", "50"],
        ...["--direct-pairs", "2", "--direct-duration", "0.3", "--direct-rate", "100"],
        ...["--warmup", "0.1", "--generators", "1", "--max-seconds", "60"],
        ...["--json", json, "--markdown", join(dir, "result.md"), "--no-docs", "--quiet"],
      ]);
      const report = JSON.parse(await readFile(json, "utf8")) as Report & {
        settings: { parse: string };
      };
      expect(report.settings.parse).toBe("full");
      expect(stdout).toContain("(every frame parsed in full)");
      for (const server of ["postoffice", "socketio"])
        expect(report.fanout.results[server]?.saturation.deliveriesPerSecond).toBeGreaterThan(0);
      for (const server of ["postoffice-memory", "postoffice-sqlite", "socketio"])
        expect(report.direct.results[server]?.paced.undelivered).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("drives the Socket.IO peer through socket.io-client too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-side-by-side-sio-"));
    try {
      const json = join(dir, "result.json");
      await exec(process.execPath, [
        BENCH,
        ...["--only", "fanout,direct", "--servers", "socketio", "--sio-client", "official"],
        ...["--fanout-clients", "4", "--fanout-duration", "0.3", "--fanout-rate", "50"],
        ...["--direct-pairs", "2", "--direct-duration", "0.3", "--direct-rate", "100"],
        ...["--warmup", "0.1", "--generators", "1", "--max-seconds", "60"],
        ...["--json", json, "--markdown", join(dir, "result.md"), "--no-docs", "--quiet"],
      ]);
      const report = JSON.parse(await readFile(json, "utf8")) as Report;
      expect(report.fanout.results.socketio?.saturation.deliveriesPerSecond).toBeGreaterThan(0);
      expect(report.direct.results.socketio?.saturation.mailsPerSecond).toBeGreaterThan(0);
      expect(report.direct.results.socketio?.paced.undelivered).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
