import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { WORKER_SLOT_ENV } from "../server/compose/worker-slot.js";
import type { Logger } from "../server/log/logger.js";

/** `--workers N|auto` → a count; auto = the machine's cores. */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === "auto") return availableParallelism();
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new Error(`--workers must be a number from 1 to 256, or auto (got "${value}")`);
  }
  return count;
}

/**
 * The primary of `--workers N` [NET-2]: forks N node processes that share the port (Node's
 * cluster hands connections to them in turn) and coordinate through Redis; restarts a worker
 * that dies, with backoff, in its slot (worker-slot.ts: the successor finds the dead one's
 * AMQP outbox); on SIGINT/SIGTERM asks each to drain and exits when all have; passes SIGHUP
 * on to each, which reloads its rules.
 */
export function runPrimary(count: number, log: Logger): void {
  let stopping = false;
  let restarts = 0;
  /** Each running worker's slot (by cluster id): a dead one's successor takes its slot. */
  const slots = new Map<number, number>();
  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ POSTOFFICE_WORKER: "1", [WORKER_SLOT_ENV]: String(slot) });
    slots.set(worker.id, slot);
    return worker;
  };
  for (let slot = 1; slot <= count; slot++) fork(slot);
  log.info({ workers: count }, "started workers");

  cluster.on("exit", (worker, code, signal) => {
    const slot = slots.get(worker.id);
    slots.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info("all workers stopped");
        process.exit(0);
      }
      return;
    }
    restarts += 1;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(restarts, 7));
    log.error(
      { pid: worker.process.pid, slot, code, signal, restartInMs: delay },
      "worker died; restarting",
    );
    // Not unref'd: with every worker dead, this timer is all that keeps the primary alive.
    setTimeout(() => {
      if (!stopping && slot !== undefined) fork(slot);
    }, delay);
  });
  // A worker that stays up a while resets the backoff.
  setInterval(() => {
    restarts = 0;
  }, 60_000).unref();

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, "second signal: stopping workers now");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "draining workers");
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Each worker reloads its own rules.
  process.on("SIGHUP", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGHUP");
  });
}
