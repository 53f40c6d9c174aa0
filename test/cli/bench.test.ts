import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChildServer, CLI, freePort, runCli, waitForLog } from "../support/child-server.js";
import { JWT_SECRET } from "../support/test-server.js";

/** Imports of devDependencies throw in the processes started with it: production dependencies only. */
const NO_DEV_DEPENDENCIES = fileURLToPath(
  new URL("./fixtures/no-dev-dependencies.mjs", import.meta.url),
);

/** Tiny counts: seconds, not minutes. */
const TINY = [
  ...["--fanout-clients", "4", "--fanout-duration", "0.3", "--fanout-rate", "50,100"],
  ...["--direct-pairs", "2", "--direct-duration", "0.3", "--direct-rate", "100"],
  ...["--idle-connections", "10", "--idle-settle", "0.1"],
  ...["--connrate-concurrency", "2", "--connrate-duration", "0.3"],
  ...["--warmup", "0.1", "--generators", "1", "--max-seconds", "60"],
];
const NO_RATE_LIMITS = {
  maxSessionsPerUser: 0,
  rate: { connection: { perSecond: 0 }, user: { perSecond: 0 }, message: { perSecond: 0 } },
};

/** `postoffice bench ...` to its end. */
function bench(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, "bench", ...args], {
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: `--import=${NO_DEV_DEPENDENCIES}`, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

interface Phase {
  rate: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}
interface Report {
  target: { url: string; auth: string; pid?: number; version: string };
  fanout: {
    results: {
      postoffice: { saturation: { deliveriesPerSecond: number }; paced: Phase[] };
    };
  };
  direct: {
    results: {
      postoffice: { saturation: { mailsPerSecond: number }; paced: { undelivered: number } };
    };
  };
  idle: Array<{
    connections: number;
    results: { postoffice: { open: number; loaded: { rss: number; heapUsed: number } } };
  }>;
  connrate: { results: { postoffice: { connectionsPerSecond: number } } };
}

describe("postoffice bench", () => {
  let dir: string;
  let server: ChildServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-bench-cli-"));
  });
  afterEach(async () => {
    server?.child.kill("SIGKILL");
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A Postoffice on a free loopback port, with this configuration (JSON is YAML). */
  async function start(config: Record<string, unknown>): Promise<string> {
    const port = await freePort();
    await writeFile(join(dir, "postoffice.json"), JSON.stringify(config));
    server = runCli(
      ["start", "--port", String(port), "--host", "127.0.0.1", "--config", "postoffice.json"],
      { cwd: dir, env: { POSTOFFICE_JWT_SECRET: JWT_SECRET } },
    );
    await waitForLog(server, "postoffice is ready");
    return `ws://127.0.0.1:${port}/ws`;
  }

  it("measures every scenario against a running server by URL, with production dependencies only", async () => {
    const url = await start({ limits: NO_RATE_LIMITS });
    const json = join(dir, "bench.json");
    const pid = String(server?.child.pid);
    const run = await bench([
      ...["--url", url, "--secret", JWT_SECRET, "--quick", "--pid", pid, "--json", json],
      ...TINY,
    ]);
    expect(run.stderr).not.toContain("refused");
    expect(run.code).toBe(0);

    const report = JSON.parse(await readFile(json, "utf8")) as Report;
    expect(report.target).toMatchObject({ url, auth: "jwt", pid: Number(pid), version: "0.1.0" });
    const fanout = report.fanout.results.postoffice;
    expect(fanout.saturation.deliveriesPerSecond).toBeGreaterThan(0);
    expect(fanout.paced.map((phase) => phase.rate)).toEqual([50, 100]);
    for (const phase of fanout.paced) {
      expect(phase.deliveriesPerSecond).toBeGreaterThan(0);
      expect(phase.p99Ms).toBeGreaterThan(0);
    }
    expect(report.direct.results.postoffice.saturation.mailsPerSecond).toBeGreaterThan(0);
    expect(report.direct.results.postoffice.paced.undelivered).toBe(0);
    expect(report.idle[0]?.results.postoffice.open).toBe(10);
    expect(report.idle[0]?.results.postoffice.loaded.heapUsed).toBeGreaterThan(0);
    expect(report.connrate.results.postoffice.connectionsPerSecond).toBeGreaterThan(0);

    // The table: this server's figures only, every scenario, the CPU known from --pid.
    expect(run.stdout).toContain(`against ${url} (Postoffice 0.1.0, a JWT signed for each user)`);
    expect(run.stdout).toContain("| Scenario | Figure | Measured |");
    expect(run.stdout).not.toContain("Socket.IO");
    for (const scenario of [
      "| fan-out (4 clients, 32 B) | deliveries/s at saturation ↑ |",
      "| fan-out (4 clients, 32 B) | p99 latency, ms (paced, 100 publishes/s) ↓ |",
      "| direct mail, the server's store (2 pairs, 32 B) | mails/s at saturation ↑ |",
      "| idle (10 authenticated connections) | server RSS, MB ↓ |",
      "| connection rate (2 at a time) | authenticated connections/s ↑ |",
    ])
      expect(run.stdout).toContain(scenario);
    expect(run.stdout).not.toContain("unknown: no --pid");
    expect(run.stdout).toMatch(
      /\| fan-out \(4 clients, 32 B\) \| server CPU at saturation, % of a core \| \d+ \|/,
    );
  }, 90_000);

  it("without --pid, says the server's CPU is unknown; --anonymous names users with ?client_id=", async () => {
    const url = await start({ auth: { anonymous: { enabled: true } }, limits: NO_RATE_LIMITS });
    const run = await bench(["--url", url, "--anonymous", "--quick", "--only", "direct", ...TINY]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("anonymous users");
    expect(run.stdout).toContain("The server's CPU is unknown");
    expect(run.stdout).toContain(
      "| direct mail, the server's store (2 pairs, 32 B) | server CPU at saturation, % of a core | unknown: no --pid |",
    );
    expect(run.stdout).toMatch(/mails\/s at saturation ↑ \| [1-9][\d,]* \|/);
  }, 60_000);

  it("fails, naming the configuration keys to raise, when the server's limits refuse the load", async () => {
    const url = await start({
      limits: { maxConnections: 8, rate: { message: { perSecond: 5, burst: 5 } } },
    });
    const run = await bench(
      ["--url", url, "--quick", "--only", "fanout,idle", ...TINY, "--idle-connections", "12"],
      { POSTOFFICE_JWT_SECRET: JWT_SECRET },
    );
    expect(run.code).toBe(3);
    // No figure for the refused steps: the table says "refused", and why.
    expect(run.stdout).toContain(
      "| fan-out (4 clients, 32 B) | deliveries/s at saturation ↑ | refused |",
    );
    expect(run.stdout).toContain(
      "| idle (12 authenticated connections) | server RSS, MB ↓ | refused |",
    );
    expect(run.stderr).toContain("the server refused part of the load");
    expect(run.stderr).toMatch(/error rate_limited ×\d+/);
    expect(run.stderr).toContain("limits.rate.message.perSecond");
    expect(run.stderr).toMatch(/HTTP 503 too_many_connections ×\d+/);
    expect(run.stderr).toContain("raise limits.maxConnections");
  }, 60_000);

  it("needs --secret (or POSTOFFICE_JWT_SECRET) or --anonymous, not both", async () => {
    const none = await bench(["--url", "ws://127.0.0.1:9/ws"]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain("--secret S (or POSTOFFICE_JWT_SECRET)");
    const both = await bench(["--url", "ws://127.0.0.1:9/ws", "--secret", "s", "--anonymous"]);
    expect(both.code).toBe(64);
    expect(both.stderr).toContain("give --secret or --anonymous, not both");
    const nobody = await bench(["--url", "ws://127.0.0.1:9/ws", "--anonymous"]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("ECONNREFUSED");
  });
});
