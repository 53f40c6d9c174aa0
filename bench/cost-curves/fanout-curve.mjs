// Fan-out as the room grows: for each room size, the side-by-side benchmark's own fan-out
// scenario (bench/side-by-side/scenarios/fanout.mjs: its generator processes, its publisher
// window, its measured windows) against a fresh Postoffice. Saturation gives deliveries/s;
// one paced phase at the same deliveries per second for every size (publishes/s = deliveries/s
// ÷ members) gives p50/p99, so that the sizes are compared at equal work.
/** @import { FanoutResult } from "../side-by-side/scenarios/fanout.mjs" */
import { parseOptions } from "../side-by-side/options.mjs";
import { Run } from "../side-by-side/run.mjs";
import { fanout } from "../side-by-side/scenarios/fanout.mjs";

/**
 * One room size's figures.
 * @typedef {object} FanoutPoint
 * @property {number} members
 * @property {number} publishesPerSecond of the paced phase
 * @property {number | null} deliveriesPerSecond at saturation
 * @property {number | null} deliveriesPerServerCpuSecond
 * @property {number | null} pacedDeliveriesPerSecond
 * @property {number | null} p50Ms
 * @property {number | null} p99Ms
 * @property {FanoutResult | { refused: unknown }} raw the scenario's own result
 */

/**
 * The publishes per second that make `deliveries` deliveries per second in a room of `members`.
 * @param {number} deliveries
 * @param {number} members
 */
export const pacedRate = (deliveries, members) => Math.max(1, Math.round(deliveries / members));

/** @param {number | undefined} v */
const orNull = (v) => (v === undefined || !Number.isFinite(v) ? null : v);

/**
 * @param {{ members: number, deliveries: number, durationSeconds: number, warmupSeconds: number, quiet: boolean, runs: Set<Run> }} how
 *   runs: where the run under way is kept, so that an overrun can kill its processes
 * @returns {Promise<FanoutPoint>}
 */
export async function fanoutPoint({
  members,
  deliveries,
  durationSeconds,
  warmupSeconds,
  quiet,
  runs,
}) {
  const rate = pacedRate(deliveries, members);
  const argv = [
    "--only=fanout",
    "--servers=postoffice",
    `--fanout-clients=${members}`,
    `--fanout-rate=${rate}`,
    `--fanout-duration=${durationSeconds}`,
    `--warmup=${warmupSeconds}`,
    "--no-docs",
  ];
  if (quiet) argv.push("--quiet");
  const options = parseOptions(argv, [fanout.name], fanout.options);
  const run = new Run(options);
  runs.add(run);
  try {
    const { section, steps } = fanout.plan(run);
    for (const step of steps) step.record(await step.run());
    const result = /** @type {{ results: Record<string, FanoutResult | { refused: unknown }> }} */ (
      section
    ).results.postoffice;
    if (result === undefined) throw new Error("fan-out: no result");
    const figures = "saturation" in result ? result : undefined;
    const phase = figures === undefined ? undefined : [figures.paced].flat()[0];
    return {
      members,
      publishesPerSecond: rate,
      deliveriesPerSecond: orNull(figures?.saturation.deliveriesPerSecond),
      deliveriesPerServerCpuSecond: figures?.saturation.deliveriesPerServerCpuSecond ?? null,
      pacedDeliveriesPerSecond: orNull(phase?.deliveriesPerSecond),
      p50Ms: orNull(phase?.p50Ms),
      p99Ms: orNull(phase?.p99Ms),
      raw: result,
    };
  } finally {
    runs.delete(run);
  }
}
