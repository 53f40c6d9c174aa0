// The three servers of the side-by-side benchmark, each started as its own process on
// 127.0.0.1: Postoffice as shipped (the built CLI, JWT auth, metrics on, SQLite store unless
// told otherwise, only the limits that would cap the benchmark raised), the bare `ws` peer and
// the Socket.IO peer. Readings: CPU and RSS from /proc, heap from Postoffice's /metrics or the
// peers' /stats, and a full garbage collection through the inspector (for the idle readings).
// The other benchmarks (durable-mail.mjs, workers.mjs) start their Postoffice here too.
/** @import { ChildProcess } from "node:child_process" */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import {
  CLI,
  cpuSeconds,
  freePort,
  metricValue,
  NO_RATE_LIMITS,
  rssBytes,
  SECRET,
} from "../lib.mjs";

const PEERS = {
  ws: fileURLToPath(new URL("../peers/ws-server.mjs", import.meta.url)),
  socketio: fileURLToPath(new URL("../peers/socketio-server.mjs", import.meta.url)),
};
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** @typedef {"postoffice" | "ws" | "socketio"} ServerKind */
/** @typedef {"memory" | "sqlite" | "redis"} Store */
/** @typedef {{ rss: number, heapUsed: number }} Memory RSS and V8's used heap, in bytes */

/**
 * A server as the scenarios see it: one started here, or one running elsewhere (`--url`).
 * @typedef {object} BenchServer
 * @property {ServerKind} kind
 * @property {number | undefined} pid known for a local process only
 * @property {string} host HOST:PORT
 * @property {string | undefined} url Postoffice's WebSocket URL
 * @property {() => Promise<number>} cpuSeconds user + system, NaN when unknown
 * @property {() => Promise<Memory>} memory
 * @property {() => Promise<void>} gc a full garbage collection, where it may be asked for
 * @property {() => Promise<void>} stop
 */

/**
 * Every server process still running, so that an overrun or an interrupt can kill them too.
 * @type {Set<ChildProcess>}
 */
export const runningServers = new Set();

/** @type {Record<ServerKind, string>} */
export const SERVER_LABELS = { postoffice: "Postoffice", ws: "bare ws", socketio: "Socket.IO" };

/**
 * Postoffice's configuration: rate limits off, caps raised past the benchmark's counts;
 * `presence: false` turns presence events off in every room (the cost curves' big rooms).
 * @param {Store} store
 * @param {boolean} presence
 * @param {number} [presenceMaxMembers] `rooms.presenceMaxMembers`; absent: its default
 */
function postofficeConfig(store, presence, presenceMaxMembers) {
  return [
    NO_RATE_LIMITS.trimEnd(),
    "  maxConnections: 0",
    "rooms:",
    "  maxMembers: 100000",
    ...(presenceMaxMembers === undefined ? [] : [`  presenceMaxMembers: ${presenceMaxMembers}`]),
    ...(presence ? [] : ['  settings: [{ match: "*", presence: false }]']),
    "mailbox:",
    `  store: ${store}`,
    "",
  ].join("\n");
}

/**
 * Starts one server. kind: "postoffice" | "ws" | "socketio". Postoffice only: store ("sqlite",
 * the default as shipped, "memory" or "redis"); config: more YAML, after the configuration
 * above; env: more environment variables; workers: `--workers N` (ready once all N are);
 * profileDir: where to write a CPU profile of the whole run of that server; presence: false
 * for no presence events in any room; presenceMaxMembers: `rooms.presenceMaxMembers`.
 * @param {ServerKind} kind
 * @param {{ store?: Store, config?: string, env?: Record<string, string>, workers?: number, profileDir?: string | undefined, presence?: boolean, presenceMaxMembers?: number }} [options]
 * @returns {Promise<BenchServer & { tail: () => string }>}
 */
export async function startServer(
  kind,
  {
    store = "sqlite",
    config: moreConfig = "",
    env: moreEnv = {},
    workers = 1,
    profileDir,
    presence = true,
    presenceMaxMembers,
  } = {},
) {
  const port = await freePort();
  const inspectPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "postoffice-side-by-side-"));
  // --inspect-port only names the port the inspector would use: nothing listens there until
  // SIGUSR1 (gc() below, idle scenario only), for every server alike.
  const node = [`--inspect-port=127.0.0.1:${inspectPort}`];
  // A V8 CPU profile of Postoffice, written when it exits (bench/profile-summary.mjs reads it).
  if (profileDir !== undefined && kind === "postoffice")
    node.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
  let args;
  /** @type {Record<string, string | undefined>} */
  let env = { PATH: process.env.PATH };
  let readyText;
  let readyCount = 1;
  if (kind === "postoffice") {
    const config = join(dir, "postoffice.yaml");
    await writeFile(config, postofficeConfig(store, presence, presenceMaxMembers) + moreConfig);
    args = [CLI, "start", "--port", String(port), "--host", "127.0.0.1", "--config", config];
    if (workers !== 1) args.push("--workers", String(workers));
    env = {
      ...env,
      POSTOFFICE_JWT_SECRET: SECRET,
      POSTOFFICE_DATA_DIR: dir,
      POSTOFFICE_LOG_FORMAT: "json",
      POSTOFFICE_LOG_LEVEL: "info",
      ...moreEnv,
    };
    // Each worker says it is ready.
    readyText = "postoffice is ready";
    readyCount = workers;
  } else {
    args = [PEERS[kind], "--port", String(port), "--host", "127.0.0.1"];
    readyText = "peer ready";
  }
  const child = spawn(process.execPath, [...node, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  /** @param {Buffer} chunk */
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
  };
  child.stderr.on("data", keep);
  /** @type {Promise<void>} */
  const started = new Promise((resolve, reject) => {
    let out = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${kind} did not start: ${tail}`));
    }, START_TIMEOUT_MS);
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      keep(chunk);
      if (ready || out.length >= 100_000) return;
      out += chunk;
      if (out.split(readyText).length - 1 >= readyCount) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData); // read to the end, so that a full pipe never blocks it
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited ${code} before it was ready: ${tail}`));
    });
  });
  await started;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${kind} did not start`);
  runningServers.add(child);
  const exited = new Promise((resolve) =>
    child.once("exit", (code) => {
      runningServers.delete(child);
      resolve(code);
    }),
  );
  /** @type {WebSocket | undefined} */
  let inspector;

  return {
    kind,
    pid,
    host: `127.0.0.1:${port}`,
    url: kind === "postoffice" ? `ws://127.0.0.1:${port}/ws` : undefined,
    tail: () => tail,
    cpuSeconds: () => cpuSeconds(pid),

    /** RSS from /proc and V8's used heap, in bytes. */
    async memory() {
      const rss = await rssBytes(pid);
      let heapUsed;
      if (kind === "postoffice") {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        heapUsed = metricValue(metrics, "nodejs_heap_size_used_bytes");
      } else {
        const stats = /** @type {NodeJS.MemoryUsage} */ (
          await (await fetch(`http://127.0.0.1:${port}/stats`)).json()
        );
        heapUsed = stats.heapUsed;
      }
      return { rss, heapUsed };
    },

    /** A full GC in the server (inspector: HeapProfiler.collectGarbage), the same for all. */
    async gc() {
      if (inspector === undefined) {
        process.kill(pid, "SIGUSR1");
        /** @type {string | undefined} */
        let url;
        for (let i = 0; i < 100 && url === undefined; i++) {
          try {
            const list = /** @type {Array<{ webSocketDebuggerUrl?: string }>} */ (
              await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()
            );
            url = list[0]?.webSocketDebuggerUrl;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        if (url === undefined) throw new Error(`${kind}: inspector did not open`);
        const opening = new WebSocket(url);
        await new Promise((resolve, reject) => {
          opening.once("open", resolve);
          opening.once("error", reject);
        });
        inspector = opening;
      }
      const socket = inspector;
      const id = Math.floor(Math.random() * 1e9);
      /** @type {Promise<void>} */
      const collected = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("gc timed out")), 30_000);
        /** @param {WebSocket.RawData} data */
        const onMessage = (data) => {
          if (JSON.parse(data.toString()).id === id) {
            clearTimeout(timer);
            socket.off("message", onMessage);
            resolve();
          }
        };
        socket.on("message", onMessage);
        socket.send(JSON.stringify({ id, method: "HeapProfiler.collectGarbage" }));
      });
      await collected;
    },

    /** SIGTERM (the server closes its connections first), then SIGKILL if it lingers. */
    async stop() {
      inspector?.terminate();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
