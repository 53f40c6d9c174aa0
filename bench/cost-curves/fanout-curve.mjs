// Fan-out as the room grows: for each room size, the side-by-side benchmark's own fan-out
// scenario (bench/side-by-side/scenarios/fanout.mjs: its generator processes, its publisher
// window, its measured windows) against a fresh Postoffice. Saturation gives deliveries/s;
// one paced phase at the same deliveries per second for every size (publishes/s = deliveries/s
// ÷ members) gives p50/p99, so that the sizes are compared at equal work. Rooms here send no
// presence events (CurveRun below says why).
/** @import { FanoutResult } from "../side-by-side/scenarios/fanout.mjs" */
import { parseOptions } from "../side-by-side/options.mjs";
import { Run } from "../side-by-side/run.mjs";
import { fanout } from "../side-by-side/scenarios/fanout.mjs";
import { startServer } from "../side-by-side/servers.mjs";

/**
 * The fan-out scenario's run, with two differences: the server sends no presence events (a
 * join into a room of N members is N presence frames, so filling a room of 10,000 is 50
 * million of them: the joins, not the fan-out, would be measured), and the time the
 * subscribers take to connect and join is kept.
 */
class CurveRun extends Run {
  joinSeconds = Number.NaN;

  /**
   * @param {import("../side-by-side/servers.mjs").ServerKind} kind
   * @param {import("../side-by-side/servers.mjs").Store} [store]
   * @override
   */
  serverFor(kind, store) {
    return startServer(kind, { store, presence: false });
  }

  /**
   * @param {Parameters<Run["openAll"]>} args
   * @override
   */
  async openAll(...args) {
    const t0 = performance.now();
    await super.openAll(...args);
    if (args[2] === "subscribers") this.joinSeconds = (performance.now() - t0) / 1000;
  }
}

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
 * @property {number | null} joinSeconds the subscribers' connections and joins, all at once
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
  const run = new CurveRun(options);
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
      joinSeconds: orNull(Math.round(run.joinSeconds * 100) / 100),
      raw: result,
    };
  } finally {
    runs.delete(run);
  }
}
