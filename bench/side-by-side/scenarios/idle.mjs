// Idle connections: RSS and V8 heap used by the server before and after N authenticated
// connections that then send nothing, divided by N, both after a full garbage collection
// (asked of every server alike through the inspector); each count is a fresh server.
/** @import { Run } from "../run.mjs" */
/** @import { Memory, ServerKind } from "../servers.mjs" */
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { RefusedResult, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
/** @import { Step } from "./scenario.mjs" */
import { fdLimits } from "../../lib.mjs";
import { FD_MARGIN } from "../generator-process.mjs";
import { split } from "../measure.mjs";
import { num } from "../report/format.mjs";
import { checkRefusals } from "../report/refusals.mjs";
import { pick, rowsFor, targetsInto } from "../report/rows.mjs";
import { figures } from "../report/run-report.mjs";
import { defineScenario } from "./scenario.mjs";

/**
 * @typedef {object} IdleResult
 * @property {number} connections
 * @property {number} [generators]
 * @property {boolean} [gc] whether the readings follow a forced garbage collection
 * @property {number} [open]
 * @property {Memory} [baseline]
 * @property {Memory} [loadedBeforeGc]
 * @property {Memory} loaded
 * @property {number} rssPerConnectionBytes
 * @property {number} heapPerConnectionBytes
 */

/** @typedef {{ connections: number, settleSeconds?: number, results: Results<IdleResult> }} IdleCount */
/** One entry per count of connections. */
/** @typedef {IdleCount[]} IdleSection */

/**
 * @param {Run} run
 * @param {ServerKind} kind
 * @param {number} connections
 * @returns {Promise<IdleResult>}
 */
async function measure(run, kind, connections) {
  const server = await run.serverFor(kind);
  const count = run.generatorsFor(connections);
  if (count > run.options.generators)
    run.log(`      ${count} generator processes: each may hold ${fdLimits()?.hard} files at most`);
  /** @type {GeneratorProcess[]} */
  let gens = [];
  try {
    run.checkServerFds(server, connections);
    gens = await run.generators(count, server, 0, Math.ceil(connections / count));
    await run.sleep(1000);
    await server.gc();
    const baseline = await server.memory();
    run.log(`      connecting ${connections} idle clients`);
    const users = split(connections, count).map((ids) =>
      ids.map((i) => ({ user: `${run.id}-idle-${i}` })),
    );
    await run.openAll(gens, users, "idle", { role: "idle" });
    await run.sleep(run.options.number("idle-settle") * 1000);
    const beforeGc = await server.memory();
    await server.gc();
    const loaded = await server.memory();
    const marks = await Promise.all(gens.map((g) => g.call("mark", {})));
    checkRefusals(marks);
    return {
      connections,
      generators: count,
      gc: run.options.url === undefined,
      open: marks.reduce((sum, m) => sum + m.open, 0),
      baseline,
      loadedBeforeGc: beforeGc,
      loaded,
      rssPerConnectionBytes: Math.round((loaded.rss - baseline.rss) / connections),
      heapPerConnectionBytes: Math.round((loaded.heapUsed - baseline.heapUsed) / connections),
    };
  } finally {
    await server.stop(); // the server closes first
    await Promise.all(gens.map((g) => g.exit()));
  }
}

/**
 * A server started here must be able to hold the largest count: the run stops at once if not.
 * @param {number[]} counts
 */
function checkHardFdLimit(counts) {
  const largest = Math.max(...counts);
  const hard = fdLimits()?.hard;
  if (hard !== undefined && hard < largest + FD_MARGIN) {
    console.error(
      `side-by-side: ${largest.toLocaleString("en-US")} idle connections need ${largest + FD_MARGIN} open files in the server, ` +
        `above the hard limit of ${hard} (ulimit -Hn): lower --idle-connections or raise the hard limit`,
    );
    process.exit(1);
  }
}

/**
 * @param {IdleSection} section
 * @param {{ authenticated: string }} view
 */
function rows(section, { authenticated }) {
  /** @type {Row[]} */
  const rows = [];
  for (const idle of section) {
    const add = rowsFor(`idle (${num(idle.connections)} ${authenticated} connections)`, rows);
    const { results } = idle;
    add(
      "RSS per connection, KB",
      "lower",
      2,
      pick(results, (r) => r && r.rssPerConnectionBytes / 1024),
    );
    add(
      "heap per connection, KB",
      "lower",
      2,
      pick(results, (r) => r && r.heapPerConnectionBytes / 1024),
    );
    add(
      "server RSS, MB",
      "lower",
      1,
      pick(results, (r) => r && r.loaded.rss / 2 ** 20),
    );
    add(
      "server heap used, MB",
      "lower",
      1,
      pick(results, (r) => r && r.loaded.heapUsed / 2 ** 20),
    );
  }
  return rows;
}

/**
 * Against bare ws (none for a server by URL).
 * @param {IdleSection} section
 * @param {{ byUrl: boolean }} view
 */
function targets(section, { byUrl }) {
  /** @type {Target[]} */
  const targets = [];
  if (byUrl) return targets;
  const add = targetsInto(targets);
  for (const idle of section)
    for (const [key, what] of /** @type {const} */ ([
      ["rssPerConnectionBytes", "RSS"],
      ["heapPerConnectionBytes", "heap"],
    ])) {
      const po = figures(idle.results.postoffice)?.[key];
      const ws = figures(idle.results.ws)?.[key];
      const over = po === undefined || ws === undefined ? undefined : (po - ws) / 1024;
      add(
        `idle ${what} ≤ bare ws + 1 KB per connection (${num(idle.connections)})`,
        over === undefined ? "—" : `${over >= 0 ? "+" : ""}${num(over, 2)} KB per connection`,
        over === undefined ? undefined : over <= 1,
      );
    }
  return targets;
}

export const idle = defineScenario({
  name: "idle",
  title: "idle",
  options: {
    "idle-connections": { full: "5000,10000,19000", quick: "1000", list: true },
    "idle-settle": { full: "3", quick: "1" },
  },
  plan(run) {
    const counts = run.options.list("idle-connections");
    if (run.options.url === undefined) checkHardFdLimit(counts);
    /** @type {IdleSection} */
    const section = counts.map((connections) => ({
      connections,
      settleSeconds: run.options.number("idle-settle"),
      results: {},
    }));
    /** @type {Step[]} */
    const steps = [];
    for (const entry of section)
      for (const kind of run.options.servers)
        steps.push({
          scenario: "idle",
          label: `${run.label(kind)}, ${entry.connections}`,
          run: () => measure(run, kind, entry.connections),
          record: (result) => {
            entry.results[kind] = /** @type {IdleResult | RefusedResult} */ (result);
          },
        });
    return { section, steps };
  },
  rows,
  targets,
  results: (section) => section.map((entry) => [`idle (${num(entry.connections)})`, entry.results]),
});
