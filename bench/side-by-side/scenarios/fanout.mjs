// Fan-out: N subscribers in one room, one publisher. Saturation: the publisher keeps
// `--fanout-window` messages ahead of the slowest subscriber of all generators (deliveries/s).
// Then one paced phase per rate of `--fanout-rate`, slowest first: that many publishes per
// second, open loop, with p50/p99 latency from the publisher's send to each delivery.
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { Run } from "../run.mjs" */
/** @import { ServerKind } from "../servers.mjs" */
/** @import { RefusedResult, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
/** @import { Step } from "./scenario.mjs" */
import { round } from "../../lib.mjs";
import { latencyOf, mark, window } from "../measure.mjs";
import { num, ratio, times } from "../report/format.mjs";
import { pick, rowsFor, saturationRows, targetsInto } from "../report/rows.mjs";
import { figures } from "../report/run-report.mjs";
import { openRoom } from "./room-load.mjs";
import { defineScenario } from "./scenario.mjs";

/** Subscribers get this long to catch up after each phase. */
const DRAIN_TIMEOUT_MS = 15_000;

/** The latency targets: p99 under `p99Ms` at `deliveries` per second. */
const LATENCY_TARGETS = [
  { deliveries: 200_000, p99Ms: 50 },
  { deliveries: 500_000, p99Ms: 100 },
];

/**
 * A paced phase (`rate`: publishes per second).
 * @typedef {{ rate: number, deliveriesPerSecond: number, p50Ms: number, p99Ms: number, maxMs?: number, samples?: number, seconds?: number, serverCpuPercent?: number | null, generatorCpuPercent?: number, lostConnections?: number, drained?: boolean }} FanoutPhase
 */

/**
 * @typedef {object} FanoutResult
 * @property {number} [clients]
 * @property {{ deliveriesPerSecond: number, deliveriesPerServerCpuSecond: number | null, serverCpuPercent: number | null, generatorCpuPercent: number, publishesPerSecond?: number, seconds?: number, lostConnections?: number, drained?: boolean }} saturation
 * @property {FanoutPhase[] | FanoutPhase} paced one phase per rate (one object before
 *   `--fanout-rate` took a list)
 */

/**
 * `rates` (`rate` before `--fanout-rate` took a list).
 * @typedef {{ clients: number, size: number, durationSeconds?: number, rates?: number[], rate?: number, window?: number }} FanoutSettings
 */

/** @typedef {{ settings: FanoutSettings, results: Results<FanoutResult> }} FanoutSection */

/** @param {FanoutResult | undefined} result */
const pacedPhases = (result) => {
  if (result?.paced === undefined) return [];
  return Array.isArray(result.paced) ? result.paced : [result.paced];
};
/** @param {FanoutSettings} settings */
const ratesOf = (settings) =>
  settings.rates ?? (settings.rate === undefined ? [] : [settings.rate]);

/**
 * @param {Run} run
 * @param {ServerKind} kind
 * @returns {Promise<FanoutResult>}
 */
async function measure(run, kind) {
  const { options } = run;
  const clients = options.number("fanout-clients");
  const size = options.number("fanout-size");
  const durationMs = options.number("fanout-duration") * 1000;
  const server = await run.serverFor(kind);
  /** @type {GeneratorProcess[]} */
  const started = [];
  try {
    run.log(`      connecting ${clients} subscribers and joining the room`);
    // The publisher stays `window` messages ahead of the slowest subscriber of all.
    const { subs, pub } = await openRoom(
      run,
      server,
      {
        members: clients,
        size,
        generators: options.generators,
        userPrefix: "sub",
        label: "subscribers",
      },
      started,
    );
    await run.sleep(options.warmupMs); // Postoffice's presence events of the joins settle
    const all = [...subs, pub];
    /** @param {number} last */
    const drain = async (last) =>
      (
        await Promise.all(
          subs.map((g) => g.call("waitMin", { value: last, timeoutMs: DRAIN_TIMEOUT_MS })),
        )
      ).every((r) => r.ok);

    run.log(`      saturation for ${durationMs / 1000} s`);
    await pub.call("publish", { mode: "window", window: options.number("fanout-window") });
    await run.sleep(options.warmupMs);
    const s1 = await mark(server, all);
    await run.sleep(durationMs);
    const s2 = await mark(server, all);
    const satDrained = await drain((await pub.call("stopPublish", {})).last);
    const sat = window(s1, s2);

    // One measured paced phase per rate, slowest first (a server that falls behind at one rate
    // gets until the drain timeout to catch up before the next).
    /** @type {FanoutPhase[]} */
    const paced = [];
    for (const rate of options.list("fanout-rate")) {
      const perSecond = (rate * clients).toLocaleString("en-US");
      run.log(
        `      paced at ${rate} publishes/s (${perSecond} deliveries/s) for ${durationMs / 1000} s`,
      );
      await pub.call("publish", { mode: "paced", rate });
      await run.sleep(options.warmupMs);
      await Promise.all(subs.map((g) => g.call("record", {})));
      const p1 = await mark(server, all);
      await run.sleep(durationMs);
      const p2 = await mark(server, all);
      const drained = await drain((await pub.call("stopPublish", {})).last);
      const w = window(p1, p2);
      paced.push({
        rate,
        deliveriesPerSecond: Math.round(w.rate("delivered")),
        ...(await latencyOf(subs)),
        seconds: round(w.seconds, 2),
        serverCpuPercent: w.serverCpuPercent,
        generatorCpuPercent: w.generatorCpuPercent,
        lostConnections: w.lostConnections,
        drained,
      });
    }
    return {
      clients,
      saturation: {
        deliveriesPerSecond: Math.round(sat.rate("delivered")),
        publishesPerSecond: round(sat.rate("delivered") / clients, 1),
        deliveriesPerServerCpuSecond: sat.perServerCpu("delivered"),
        seconds: round(sat.seconds, 2),
        serverCpuPercent: sat.serverCpuPercent,
        generatorCpuPercent: sat.generatorCpuPercent,
        lostConnections: sat.lostConnections,
        drained: satDrained,
      },
      paced,
    };
  } finally {
    await server.stop();
    await Promise.all(started.map((g) => g.exit()));
  }
}

/** @param {FanoutSection} section */
function rows({ settings: s, results }) {
  /** @type {Row[]} */
  const rows = [];
  const add = rowsFor(`fan-out (${num(s.clients)} clients, ${s.size} B)`, rows);
  saturationRows(add, "deliveries", results, (r) => r?.saturation);
  for (const rate of ratesOf(s)) {
    /** @param {"deliveriesPerSecond" | "p50Ms" | "p99Ms"} key */
    const phase = (key) => pick(results, (r) => pacedPhases(r).find((p) => p.rate === rate)?.[key]);
    const at = `${num(rate)} publishes/s`;
    add(
      `deliveries/s paced (${at} = ${num(rate * s.clients)} deliveries/s)`,
      "",
      0,
      phase("deliveriesPerSecond"),
    );
    add(`p50 latency, ms (paced, ${at})`, "lower", 2, phase("p50Ms"));
    add(`p99 latency, ms (paced, ${at})`, "lower", 2, phase("p99Ms"));
  }
  return rows;
}

/**
 * Against the peers, fan-out at saturation; each latency target on the slowest paced phase at
 * or above its rate of deliveries (a phase at a higher rate is at least as hard).
 * @param {FanoutSection} section
 * @param {{ byUrl: boolean }} view
 */
function targets({ settings: s, results }, { byUrl }) {
  /** @type {Target[]} */
  const targets = [];
  const add = targetsInto(targets);
  const postoffice = figures(results.postoffice);
  if (!byUrl) {
    const r = ratio(
      postoffice?.saturation.deliveriesPerSecond,
      figures(results.socketio)?.saturation.deliveriesPerSecond,
    );
    add("fan-out at saturation ≥ 5× Socket.IO", times(r), r === undefined ? undefined : r >= 5);
  }
  const phases = pacedPhases(postoffice)
    .map((p) => ({ ...p, nominal: p.rate * s.clients }))
    .sort((a, b) => a.nominal - b.nominal);
  const highest = Math.max(0, ...ratesOf(s).map((rate) => rate * s.clients));
  for (const { deliveries, p99Ms } of LATENCY_TARGETS) {
    const target = `fan-out p99 < ${p99Ms} ms at ${deliveries / 1000}k deliveries/s`;
    const phase = phases.find((p) => p.nominal >= deliveries);
    if (phase === undefined)
      add(
        target,
        results.postoffice !== undefined && postoffice === undefined
          ? "refused by the server"
          : `not measured: paced at ${num(highest)} deliveries/s at most`,
        undefined,
      );
    else
      add(
        target,
        `${num(phase.p99Ms, 2)} ms at ${num(phase.deliveriesPerSecond)} deliveries/s` +
          (phase.nominal > deliveries ? ` (paced at ${num(phase.nominal)})` : ""),
        Number.isFinite(phase.p99Ms) ? phase.p99Ms < p99Ms : undefined,
      );
  }
  return targets;
}

export const fanout = defineScenario({
  name: "fanout",
  title: "fan-out",
  options: {
    "fanout-clients": { full: "1000", quick: "200" },
    "fanout-size": { full: "32" },
    "fanout-duration": { full: "10", quick: "1" },
    "fanout-rate": { full: "200,500", list: true },
    "fanout-window": { full: "256" },
  },
  plan(run) {
    const { options } = run;
    /** @type {FanoutSection} */
    const section = {
      settings: {
        clients: options.number("fanout-clients"),
        size: options.number("fanout-size"),
        durationSeconds: options.number("fanout-duration"),
        rates: options.list("fanout-rate"),
        window: options.number("fanout-window"),
      },
      results: {},
    };
    /** @type {Step[]} */
    const steps = options.servers.map((kind) => ({
      scenario: "fanout",
      label: run.label(kind),
      run: () => measure(run, kind),
      record: (result) => {
        section.results[kind] = /** @type {FanoutResult | RefusedResult} */ (result);
      },
    }));
    return { section, steps };
  },
  rows,
  targets,
  results: (section) => [["fan-out", section.results]],
});
