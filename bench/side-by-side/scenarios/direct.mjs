// Direct mail: P pairs, each connection sending mail to its partner (both ends in the same
// generator). Saturation: each connection keeps `--direct-window` sends waiting for their
// `accepted` receipt (mails/s); paced: `--direct-rate` mails per second in all, with p50/p99
// latency from send to receipt by the partner. Postoffice runs twice, with the in-memory store
// and with the SQLite store; a server by URL once, with whatever store it has.
/** @import { MailMode } from "../generator/mail-pairs.mjs" */
/** @import { Run } from "../run.mjs" */
/** @import { BenchServer, ServerKind, Store } from "../servers.mjs" */
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { RefusedResult, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
/** @import { Step } from "./scenario.mjs" */
import { round } from "../../lib.mjs";
import { latencyOf, mark, split, window } from "../measure.mjs";
import { num, ratio, times } from "../report/format.mjs";
import { pick, rowsFor, saturationRows, targetsInto } from "../report/rows.mjs";
import { figures } from "../report/run-report.mjs";
import { defineScenario } from "./scenario.mjs";

/**
 * @typedef {object} DirectPhase
 * @property {number} mailsPerSecond
 * @property {number | null} [mailsPerServerCpuSecond]
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} [maxMs]
 * @property {number} [samples]
 * @property {number} [rate]
 * @property {number} [seconds]
 * @property {number | null} serverCpuPercent
 * @property {number} generatorCpuPercent
 * @property {number} [lostConnections]
 * @property {number} [undelivered]
 */

/**
 * @typedef {object} DirectResult
 * @property {number} [pairs]
 * @property {Store} [store]
 * @property {DirectPhase & { mailsPerServerCpuSecond: number | null }} saturation
 * @property {DirectPhase} paced
 */

/** @typedef {{ pairs: number, size: number, durationSeconds?: number, rate: number, window?: number }} DirectSettings */
/**
 * Results by `postoffice-memory`, `postoffice-sqlite`, `ws`, `socketio`, or `postoffice` for a
 * server by URL.
 * @typedef {{ settings: DirectSettings, results: Results<DirectResult> }} DirectSection
 */

/**
 * One measured phase: the generators' mode, the warm-up, the window between two marks, then
 * a stop that waits for everything sent to arrive.
 * @param {Run} run
 * @param {BenchServer} server
 * @param {GeneratorProcess[]} gens
 * @param {MailMode} mode
 */
async function phase(run, server, gens, mode) {
  await Promise.all(gens.map((g) => g.call("direct", mode)));
  await run.sleep(run.options.warmupMs);
  await Promise.all(gens.map((g) => g.call("record", {})));
  const m1 = await mark(server, gens);
  await run.sleep(run.options.number("direct-duration") * 1000);
  const m2 = await mark(server, gens);
  const stops = await Promise.all(gens.map((g) => g.call("stopDirect", {})));
  const latency = await latencyOf(gens);
  const w = window(m1, m2);
  return {
    mailsPerSecond: Math.round(w.rate("mails")),
    mailsPerServerCpuSecond: w.perServerCpu("mails"),
    ...latency,
    seconds: round(w.seconds, 2),
    serverCpuPercent: w.serverCpuPercent,
    generatorCpuPercent: w.generatorCpuPercent,
    lostConnections: w.lostConnections,
    undelivered: stops.reduce((sum, s) => sum + s.undelivered, 0),
  };
}

/**
 * @param {Run} run
 * @param {ServerKind} kind
 * @param {Store | undefined} store
 * @returns {Promise<DirectResult>}
 */
async function measure(run, kind, store) {
  const { options } = run;
  const pairs = options.number("direct-pairs");
  const rate = options.number("direct-rate");
  const count = options.generators;
  const server = await run.serverFor(kind, store);
  /** @type {GeneratorProcess[]} */
  let gens = [];
  try {
    const size = options.number("direct-size");
    gens = await run.generators(count, server, size, 2 * Math.ceil(pairs / count));
    run.log(`      connecting ${pairs} pairs`);
    // Both ends of a pair live in the same generator.
    const users = split(pairs, count).map((ids) =>
      ids.flatMap((p) => [
        { user: `${run.id}-a-${p}`, partner: `${run.id}-b-${p}` },
        { user: `${run.id}-b-${p}`, partner: `${run.id}-a-${p}` },
      ]),
    );
    await run.openAll(gens, users, "pairs", { role: "direct" });
    const seconds = options.number("direct-duration");
    run.log(`      saturation for ${seconds} s`);
    const sat = await phase(run, server, gens, {
      mode: "window",
      window: options.number("direct-window"),
    });
    run.log(`      paced at ${rate} mails/s for ${seconds} s`);
    const paced = await phase(run, server, gens, { mode: "paced", rate: rate / count });
    return {
      pairs,
      store: kind === "postoffice" && options.url === undefined ? store : undefined,
      saturation: {
        mailsPerSecond: sat.mailsPerSecond,
        mailsPerServerCpuSecond: sat.mailsPerServerCpuSecond,
        p50Ms: sat.p50Ms,
        p99Ms: sat.p99Ms,
        seconds: sat.seconds,
        serverCpuPercent: sat.serverCpuPercent,
        generatorCpuPercent: sat.generatorCpuPercent,
        lostConnections: sat.lostConnections,
        undelivered: sat.undelivered,
      },
      paced: {
        rate,
        mailsPerSecond: paced.mailsPerSecond,
        p50Ms: paced.p50Ms,
        p99Ms: paced.p99Ms,
        maxMs: paced.maxMs,
        samples: paced.samples,
        seconds: paced.seconds,
        serverCpuPercent: paced.serverCpuPercent,
        generatorCpuPercent: paced.generatorCpuPercent,
        lostConnections: paced.lostConnections,
        undelivered: paced.undelivered,
      },
    };
  } finally {
    await server.stop();
    await Promise.all(gens.map((g) => g.exit()));
  }
}

/** Postoffice's results: by store, or the server's by URL. */
const STORES = /** @type {const} */ ([
  ["postoffice-memory", "memory"],
  ["postoffice-sqlite", "SQLite"],
  ["postoffice", "the server's"],
]);

/** @param {DirectSection} section */
function rows({ settings: s, results }) {
  /** @type {Row[]} */
  const rows = [];
  for (const [key, storeName] of STORES) {
    const po = results[key];
    if (po === undefined) continue;
    const all = { ...results, postoffice: po };
    const add = rowsFor(
      `direct mail, ${storeName} store (${num(s.pairs)} pairs, ${s.size} B)`,
      rows,
    );
    saturationRows(add, "mails", all, (r) => r?.saturation);
    add(
      `p50 latency, ms (paced, ${num(s.rate)} mails/s)`,
      "lower",
      2,
      pick(all, (r) => r?.paced.p50Ms),
    );
    add(
      "p99 latency, ms (paced)",
      "lower",
      2,
      pick(all, (r) => r?.paced.p99Ms),
    );
  }
  return rows;
}

/**
 * Against bare ws (none for a server by URL).
 * @param {DirectSection} section
 * @param {{ byUrl: boolean }} view
 */
function targets({ results }, { byUrl }) {
  /** @type {Target[]} */
  const targets = [];
  if (byUrl) return targets;
  const add = targetsInto(targets);
  const ws = figures(results.ws)?.saturation.mailsPerSecond;
  /** @param {string} key */
  const of = (key) => ratio(figures(results[key])?.saturation.mailsPerSecond, ws);
  const memory = of("postoffice-memory");
  add(
    "direct mail, memory store ≥ 1.2× bare ws",
    times(memory),
    memory === undefined ? undefined : memory >= 1.2,
  );
  const sqlite = of("postoffice-sqlite");
  add(
    "direct mail, SQLite store ≥ 0.7× bare ws",
    times(sqlite),
    sqlite === undefined ? undefined : sqlite >= 0.7,
  );
  return targets;
}

export const direct = defineScenario({
  name: "direct",
  title: "direct mail",
  options: {
    "direct-pairs": { full: "500", quick: "100" },
    "direct-size": { full: "32" },
    "direct-duration": { full: "10", quick: "1" },
    "direct-rate": { full: "2000" },
    "direct-window": { full: "8" },
  },
  plan(run) {
    const { options } = run;
    /** @type {DirectSection} */
    const section = {
      settings: {
        pairs: options.number("direct-pairs"),
        size: options.number("direct-size"),
        durationSeconds: options.number("direct-duration"),
        rate: options.number("direct-rate"),
        window: options.number("direct-window"),
      },
      results: {},
    };
    /** @type {Step[]} */
    const steps = [];
    for (const kind of options.servers) {
      /** @type {Array<Store | undefined>} */
      const stores =
        kind === "postoffice" && options.url === undefined ? ["memory", "sqlite"] : [undefined];
      for (const store of stores)
        steps.push({
          scenario: "direct",
          label: store === undefined ? run.label(kind) : `Postoffice (${store} store)`,
          run: () => measure(run, kind, store),
          record: (result) => {
            const key = store === undefined ? kind : `postoffice-${store}`;
            section.results[key] = /** @type {DirectResult | RefusedResult} */ (result);
          },
        });
    }
    return { section, steps };
  },
  rows,
  targets,
  results: (section) => [["direct mail", section.results]],
});
