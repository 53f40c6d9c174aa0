// A Postoffice already running, measured by URL (`--url`, `postoffice bench`): never started
// or stopped here. Its version comes from /health, its memory from /metrics (RSS from /proc
// with --pid), its CPU only from /proc with --pid; one connection as a benchmark user checks
// the URL, the secret or the mode before any load.
/** @import { BenchServer, Memory } from "./servers.mjs" */
/** @import { ClientKind } from "./clients/load-client.mjs" */
import { cpuSeconds, metricValue, rssBytes } from "../lib.mjs";
import { openClient } from "./clients/open-client.mjs";

/**
 * @typedef {object} Probe
 * @property {string} http the server's HTTP origin
 * @property {string | undefined} version
 * @property {boolean} hasMemory whether /metrics has process memory readings
 * @property {string | undefined} refusal what the server said to a first connection, if it refused it
 * @property {BenchServer} server the server as the scenarios see it
 */

/**
 * @param {URL} url
 * @param {{ kind: ClientKind, secret: string | undefined, pid: number | undefined, user: string }} how
 * @returns {Promise<Probe>}
 */
export async function probeTarget(url, { kind, secret, pid, user }) {
  const http = `${url.protocol === "wss:" ? "https" : "http"}://${url.host}`;
  /** @param {string} path */
  const get = async (path) => {
    try {
      const res = await fetch(`${http}${path}`, { signal: AbortSignal.timeout(5000) });
      return res.ok ? await res.text() : undefined;
    } catch {
      return undefined;
    }
  };
  const [health, metrics] = await Promise.all([get("/health"), get("/metrics")]);
  /** @type {string | undefined} */
  let version;
  try {
    version = health === undefined ? undefined : JSON.parse(health).version;
  } catch {
    // no version to report
  }
  const hasMemory =
    Number.isFinite(metricValue(metrics, "process_resident_memory_bytes")) &&
    Number.isFinite(metricValue(metrics, "nodejs_heap_size_used_bytes"));
  // One user first: a URL, a secret or a mode that is wrong fails here, before any load.
  /** @type {string | undefined} */
  let refusal;
  try {
    const client = await openClient(kind, { host: url.host, url: url.toString(), user, secret });
    client.close();
  } catch (error) {
    refusal = error instanceof Error ? error.message : String(error);
  }
  /** @type {() => Promise<Memory>} */
  const memory = async () => {
    const text = await get("/metrics");
    const rss =
      pid === undefined ? metricValue(text, "process_resident_memory_bytes") : await rssBytes(pid);
    return { rss, heapUsed: metricValue(text, "nodejs_heap_size_used_bytes") };
  };
  return {
    http,
    version,
    hasMemory,
    refusal,
    server: {
      kind: "postoffice",
      pid,
      host: url.host,
      url: url.toString(),
      cpuSeconds: () => (pid === undefined ? Promise.resolve(Number.NaN) : cpuSeconds(pid)),
      memory,
      gc: async () => {}, // not ours to ask: readings include garbage
      stop: async () => {},
    },
  };
}
