import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../support/child-server.js";
import { DISK_FAULT_VARIABLE, HookFault, TmpfsDisk } from "./disk-fault.js";
import { type DiskScenarioResult, runDiskScenario } from "./disk-scenario.js";
import { ManagedProcess } from "./managed-process.js";

// A run cut short by its timeout leaves no process behind.
afterAll(() => ManagedProcess.killAll());

describe("a SQLite node whose disk fills up or turns read-only", () => {
  it("refuses what it cannot keep with store_unavailable on a full disk, stays up, and keeps everything it accepted once space is back", async () => {
    const root = await mkdtemp(join(tmpdir(), "postoffice-chaos-full-"));
    // A real full disk where mounting is allowed (root, as in CI); the store's hook elsewhere.
    const disk = await TmpfsDisk.mount(join(root, "disk"), 8 * 1024 * 1024);
    const faultFile = join(root, "fault");
    const fault = disk ?? new HookFault(faultFile, "full");
    console.log(`full disk: ${fault.how}`);
    try {
      const result = await runDiskScenario({
        cli: CLI,
        fault,
        ...(disk === undefined
          ? { env: { [DISK_FAULT_VARIABLE]: faultFile } }
          : { dataDir: join(disk.path, "data") }),
      });
      expectKept(result);
    } finally {
      await disk?.unmount();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses sends and acks with store_unavailable while its data directory is read-only, stays up, and takes the same mail again once it is writable", async () => {
    const root = await mkdtemp(join(tmpdir(), "postoffice-chaos-ro-"));
    const faultFile = join(root, "fault");
    try {
      const result = await runDiskScenario({
        cli: CLI,
        fault: new HookFault(faultFile, "readonly"),
        env: { [DISK_FAULT_VARIABLE]: faultFile },
      });
      expectKept(result);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

function expectKept(result: DiskScenarioResult): void {
  const summary = JSON.stringify(result, null, 1);
  console.log(
    `disk trouble: ${result.acceptedBefore} accepted before, ${result.refused} refused and ${result.acceptedDuring} accepted during, ${result.retriedAccepted}/${result.retried} retries accepted after; ${result.logLines} log lines meanwhile (${result.errorLogLines} errors)`,
  );
  expect(result.acceptedBefore, summary).toBe(100);
  expect(result.refused, summary).toBeGreaterThanOrEqual(10);
  expect(result.otherAnswers, summary).toEqual([]);
  expect(result.ackAnswer, summary).toBe("store_unavailable");
  // Not ready for a load balancer, but up, and a client still gets in to read its mail [OPS-2].
  expect({
    health: result.healthDuring,
    ready: result.readyDuring,
    welcomed: result.welcomedDuring,
    readyAfter: result.readyAfter,
  }).toEqual({ health: 200, ready: 503, welcomed: true, readyAfter: true });
  // One line when the store stops writing, one when it writes again, and at most one per kind
  // of refusal: not one per refused mail [LIMIT-4].
  expect(result.logLines, summary).toBeLessThanOrEqual(8);
  expect(result.retriedAccepted, summary).toBe(result.retried);
  expect({ exit: result.exit, integrity: result.integrity }).toEqual({
    exit: "exit 0",
    integrity: "ok",
  });
  const v = result.verdict;
  expect({
    lost: v.lost,
    phantoms: v.phantoms,
    refusedButStored: v.refusedButStored,
    storedTwice: v.storedTwice,
    reordered: v.reordered,
    vanished: v.vanished,
    holes: v.holes,
    receiptErrors: v.receiptErrors,
    live: result.live,
  }).toEqual({
    lost: [],
    phantoms: [],
    refusedButStored: [],
    storedTwice: [],
    reordered: [],
    vanished: [],
    holes: [],
    receiptErrors: [],
    live: {},
  });
}
