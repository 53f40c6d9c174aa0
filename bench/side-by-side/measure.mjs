// Readings over a measured window: the server's CPU and every generator's counts at its two
// ends (`mark`), the rates and CPU shares between them (`window`), and the latency histogram
// of the generators' recorded phase.
/** @import { BenchServer } from "./servers.mjs" */
/** @import { GeneratorProcess } from "./generator-process.mjs" */
import { round } from "../lib.mjs";
import { Histogram } from "./histogram.mjs";
import { checkRefusals } from "./report/refusals.mjs";

/**
 * @typedef {object} Mark
 * @property {number} at
 * @property {number} serverCpu
 * @property {number} genCpu
 * @property {number} delivered
 * @property {number} mails
 * @property {number} churned
 * @property {number} churnFailed
 * @property {number} lostConnections
 */
/** @typedef {"delivered" | "mails" | "churned" | "churnFailed"} Counted */

/**
 * CPU and counters of the server and every generator, now; throws Refused on refusals.
 * @param {BenchServer} server
 * @param {GeneratorProcess[]} gens
 * @returns {Promise<Mark>}
 */
export async function mark(server, gens) {
  const [serverCpu, marks] = await Promise.all([
    server.cpuSeconds(),
    Promise.all(gens.map((g) => g.call("mark", {}))),
  ]);
  checkRefusals(marks);
  /** @param {keyof Omit<Mark, "at" | "serverCpu" | "genCpu"> | "cpuSeconds"} key */
  const sum = (key) => marks.reduce((total, m) => total + m[key], 0);
  return {
    at: performance.now(),
    serverCpu,
    genCpu: sum("cpuSeconds"),
    delivered: sum("delivered"),
    mails: sum("mails"),
    churned: sum("churned"),
    churnFailed: sum("churnFailed"),
    lostConnections: sum("lostConnections"),
  };
}

/** @param {number} value */
const known = (value) => (Number.isFinite(value) ? value : null);

/**
 * What happened between two marks.
 * @param {Mark} m1
 * @param {Mark} m2
 */
export function window(m1, m2) {
  const seconds = (m2.at - m1.at) / 1000;
  return {
    seconds,
    /** @param {Counted} key */
    rate: (key) => (m2[key] - m1[key]) / seconds,
    /**
     * Work done per second of server CPU: the server's efficiency, whoever was the bottleneck
     * (null when the server's CPU is not known: a server by URL without --pid).
     * @param {Counted} key
     */
    perServerCpu: (key) =>
      known(Math.round((m2[key] - m1[key]) / Math.max(0.01, m2.serverCpu - m1.serverCpu))),
    serverCpuPercent: known(round(((m2.serverCpu - m1.serverCpu) / seconds) * 100, 0)),
    generatorCpuPercent: round(((m2.genCpu - m1.genCpu) / seconds) * 100, 0),
    lostConnections: m2.lostConnections - m1.lostConnections,
  };
}

/**
 * The generators' latency histograms of the recorded phase, merged: p50, p99, max (ms).
 * @param {GeneratorProcess[]} gens
 */
export async function latencyOf(gens) {
  const hist = new Histogram();
  for (const reply of await Promise.all(gens.map((g) => g.call("histogram", {}))))
    hist.merge(reply.histogram);
  return {
    p50Ms: round(hist.percentile(50), 2),
    p99Ms: round(hist.percentile(99), 2),
    maxMs: round(hist.percentile(100), 2),
    samples: hist.total,
  };
}

/**
 * 0 … count−1 dealt round-robin into `parts` lists.
 * @param {number} count
 * @param {number} parts
 */
export const split = (count, parts) =>
  Array.from({ length: parts }, (_, g) =>
    Array.from({ length: count }, (_, i) => i).filter((i) => i % parts === g),
  );
