/**
 * A worker's slot under `--workers N`: 1..N, given by the primary at each fork and given
 * again to the worker forked in place of a dead one. Unlike cluster's worker id, which grows
 * with each fork, it names what a worker must find again after a crash (its AMQP outbox).
 */
export const WORKER_SLOT_ENV = "POSTOFFICE_WORKER_SLOT";

/** The slot the primary gave this process, or undefined (not a worker, or forked by hand). */
export function workerSlot(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env[WORKER_SLOT_ENV]);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}
