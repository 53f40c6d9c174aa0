// Connection rate: generators open connections, `--connrate-concurrency` at a time, each with
// its own user and, for Postoffice, its own freshly signed JWT; a connection counts once it is
// welcomed, and is closed at once.
/** @import { Run } from "../run.mjs" */
/** @import { ServerKind } from "../servers.mjs" */
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { RefusedResult, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
/** @import { Step } from "./scenario.mjs" */
import { round } from "../../lib.mjs";
import { mark, window } from "../measure.mjs";
import { num, ratio, times } from "../report/format.mjs";
import { checkRefusals } from "../report/refusals.mjs";
import { pick, rowsFor, targetsInto } from "../report/rows.mjs";
import { figures } from "../report/run-report.mjs";
import { defineScenario } from "./scenario.mjs";

/**
 * @typedef {object} ConnrateResult
 * @property {number} [concurrency]
 * @property {number} connectionsPerSecond
 * @property {number | null} connectionsPerServerCpuSecond
 * @property {number} [failedPerSecond]
 * @property {number} [seconds]
 * @property {number | null} serverCpuPercent
 * @property {number} generatorCpuPercent
 */

/** @typedef {{ settings: { concurrency: number, durationSeconds?: number }, results: Results<ConnrateResult> }} ConnrateSection */

/**
 * @param {Run} run
 * @param {ServerKind} kind
 * @returns {Promise<ConnrateResult>}
 */
async function measure(run, kind) {
  const { options } = run;
  const concurrency = options.number("connrate-concurrency");
  const durationMs = options.number("connrate-duration") * 1000;
  const count = options.generators;
  const server = await run.serverFor(kind);
  /** @type {GeneratorProcess[]} */
  let gens = [];
  try {
    gens = await run.generators(count, server, 0, Math.ceil(concurrency / count));
    run.log(
      `      opening and closing connections, ${concurrency} at a time, for ${durationMs / 1000} s`,
    );
    await Promise.all(
      gens.map((g, i) =>
        g.call("churn", {
          concurrency: Math.max(1, Math.round(concurrency / count)),
          addresses: run.addressesOf(i, count),
          prefix: `${run.id}-conn-${i}`,
          maxCount: 2_000_000,
        }),
      ),
    );
    await run.sleep(options.warmupMs);
    const m1 = await mark(server, gens);
    await run.sleep(durationMs);
    const m2 = await mark(server, gens);
    await Promise.all(gens.map((g) => g.call("stopChurn", {})));
    checkRefusals(await Promise.all(gens.map((g) => g.call("mark", {}))));
    const w = window(m1, m2);
    return {
      concurrency,
      connectionsPerSecond: Math.round(w.rate("churned")),
      connectionsPerServerCpuSecond: w.perServerCpu("churned"),
      failedPerSecond: round(w.rate("churnFailed"), 1),
      seconds: round(w.seconds, 2),
      serverCpuPercent: w.serverCpuPercent,
      generatorCpuPercent: w.generatorCpuPercent,
    };
  } finally {
    await server.stop();
    await Promise.all(gens.map((g) => g.exit()));
  }
}

/**
 * @param {ConnrateSection} section
 * @param {{ authenticated: string }} view
 */
function rows({ settings, results }, { authenticated }) {
  /** @type {Row[]} */
  const rows = [];
  const add = rowsFor(`connection rate (${num(settings.concurrency)} at a time)`, rows);
  add(
    `${authenticated} connections/s`,
    "higher",
    0,
    pick(results, (r) => r?.connectionsPerSecond),
  );
  add(
    "connections per server CPU-second",
    "higher",
    0,
    pick(results, (r) => r?.connectionsPerServerCpuSecond),
  );
  add(
    "server CPU, % of a core",
    "",
    0,
    pick(results, (r) => r?.serverCpuPercent),
  );
  add(
    "generators' CPU, % of a core",
    "",
    0,
    pick(results, (r) => r?.generatorCpuPercent),
  );
  return rows;
}

/**
 * Against bare ws (none for a server by URL).
 * @param {ConnrateSection} section
 * @param {{ byUrl: boolean }} view
 */
function targets({ results }, { byUrl }) {
  /** @type {Target[]} */
  const targets = [];
  if (byUrl) return targets;
  const r = ratio(
    figures(results.postoffice)?.connectionsPerSecond,
    figures(results.ws)?.connectionsPerSecond,
  );
  targetsInto(targets)(
    "connection rate ≥ 0.9× bare ws",
    times(r),
    r === undefined ? undefined : r >= 0.9,
  );
  return targets;
}

export const connrate = defineScenario({
  name: "connrate",
  title: "connection rate",
  options: {
    "connrate-concurrency": { full: "64" },
    "connrate-duration": { full: "10", quick: "1" },
  },
  plan(run) {
    const { options } = run;
    /** @type {ConnrateSection} */
    const section = {
      settings: {
        concurrency: options.number("connrate-concurrency"),
        durationSeconds: options.number("connrate-duration"),
      },
      results: {},
    };
    /** @type {Step[]} */
    const steps = options.servers.map((kind) => ({
      scenario: "connrate",
      label: run.label(kind),
      run: () => measure(run, kind),
      record: (result) => {
        section.results[kind] = /** @type {ConnrateResult | RefusedResult} */ (result);
      },
    }));
    return { section, steps };
  },
  rows,
  targets,
  results: (section) => [["connection rate", section.results]],
});
