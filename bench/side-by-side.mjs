#!/usr/bin/env node
// Postoffice side by side with a bare `ws` server and a Socket.IO 4.8 server doing the same
// job, one after the other in one run (figures are only comparable within a run on these
// noisy machines). Four scenarios:
//
//   fan-out      N clients in one room, one publisher: deliveries/s at saturation (the
//                publisher keeps `--fanout-window` messages ahead of the slowest subscriber),
//                then p50/p99 end-to-end latency at a fixed rate of publishes.
//   direct mail  P pairs sending to each other: mails/s at saturation (each connection keeps
//                `--direct-window` sends waiting for `accepted`), p50/p99 at a fixed rate;
//                Postoffice with the in-memory store and with the SQLite store.
//   idle         server RSS and heap per authenticated idle connection (after a full GC).
//   connection rate  authenticated connections per second (open, welcome, close).
//
//   npm run bench                      # the default run: a few minutes; rewrites docs/benchmarks.md
//   npm run bench -- --quick           # under a minute, smaller counts; docs left alone
//   npm run bench -- --idle-connections 19000 --only idle
//   node bench/side-by-side.mjs --render bench/results/side-by-side.json   # docs from a JSON
//   node bench/side-by-side.mjs --url ws://HOST:PORT/ws --secret S     # one running server
//
// Each server is its own process, started afresh for every scenario; the load comes from
// generator processes (bench/side-by-side/generator.mjs), never from this one. The server's
// CPU is read from /proc, the generators' from their own process.cpuUsage().
//
// With --url, the only server is the Postoffice at that URL, which this script neither starts
// nor stops (`postoffice bench` runs it so): its users are signed with --secret (or
// POSTOFFICE_JWT_SECRET), or named with `?client_id=` with --anonymous; its CPU is known only
// from --pid PID (a local server), its memory only from its /metrics. Whatever the server
// refuses (rate limits, caps, permissions) fails the step, which is reported as refused with
// the configuration keys to raise, and the run exits 3.
import { execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuSeconds, fdLimits, metricValue, round, rssBytes, SECRET } from "./lib.mjs";
import { openClient } from "./side-by-side/clients.mjs";
import { Histogram } from "./side-by-side/histogram.mjs";
import {
  explainRefusals,
  mergeRefusals,
  refusalCount,
  renderMarkdown,
  updateDocs,
} from "./side-by-side/report.mjs";
import { runningServers, SERVER_LABELS, startServer } from "./side-by-side/servers.mjs";

const GENERATOR = fileURLToPath(new URL("./side-by-side/generator.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const FULL = {
  "fanout-clients": "1000",
  "fanout-size": "32",
  "fanout-duration": "10",
  "fanout-rate": "200,500",
  "fanout-window": "32",
  "direct-pairs": "500",
  "direct-size": "32",
  "direct-duration": "10",
  "direct-rate": "2000",
  "direct-window": "8",
  "idle-connections": "5000,10000,19000",
  "idle-settle": "3",
  "connrate-concurrency": "64",
  "connrate-duration": "10",
  warmup: "1",
  generators: "2",
  "max-seconds": "900",
};
const QUICK = {
  ...FULL,
  "fanout-clients": "200",
  "fanout-duration": "1",
  "direct-pairs": "100",
  "direct-duration": "1",
  "idle-connections": "1000",
  "idle-settle": "1",
  "connrate-duration": "1",
  warmup: "0.5",
  "max-seconds": "120",
};

/** parseArgs, with a short message and exit 64 for options it does not know. */
function parseOptions(config) {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`side-by-side: ${error.message}`);
    process.exit(64);
  }
}

const stringOptions = Object.fromEntries(Object.keys(FULL).map((key) => [key, { type: "string" }]));
const { values: args } = parseOptions({
  options: {
    ...stringOptions,
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    servers: { type: "string" },
    url: { type: "string" },
    secret: { type: "string" },
    anonymous: { type: "boolean", default: false },
    pid: { type: "string" },
    "sio-client": { type: "string", default: "wire" },
    json: { type: "string" },
    markdown: { type: "string" },
    docs: { type: "string" },
    "no-docs": { type: "boolean", default: false },
    render: { type: "string" },
    quiet: { type: "boolean", default: false },
    profile: { type: "string" },
  },
});
const preset = args.quick ? QUICK : FULL;
const opt = (name) => Number(args[name] ?? preset[name]);
const list = (name) =>
  String(args[name] ?? preset[name])
    .split(",")
    .map((item) => Number(item.trim()));
const log = (...parts) => {
  if (!args.quiet) console.error(...parts);
};
/** Exit statuses: 3 when the server refused part of the load, 64 for options that do not fit. */
const EXIT_REFUSED = 3;
const EXIT_USAGE = 64;
function usage(message) {
  console.error(`side-by-side: ${message}`);
  process.exit(EXIT_USAGE);
}

// --- one running server (--url) ----------------------------------------------------------------

const URL_MODE = args.url !== undefined;
let TARGET;
if (URL_MODE) {
  try {
    TARGET = new URL(args.url);
  } catch {
    usage(`--url is not a URL: ${args.url}`);
  }
  if (TARGET.protocol !== "ws:" && TARGET.protocol !== "wss:")
    usage(`--url must be a ws:// or wss:// URL (got ${args.url})`);
  if (args.servers !== undefined)
    usage("--url measures the server at that URL only: leave out --servers");
  if (args.docs !== undefined) usage("--url never writes the docs page: leave out --docs");
}
/** With --url: the secret to sign the users' JWTs with, unless --anonymous. */
const URL_SECRET = args.secret ?? process.env.POSTOFFICE_JWT_SECRET;
if (URL_MODE && args.anonymous && args.secret !== undefined)
  usage("give --secret or --anonymous, not both");
if (URL_MODE && !args.anonymous && !URL_SECRET)
  usage(
    "say how the users authenticate: --secret S (or POSTOFFICE_JWT_SECRET), the server's HS256 JWT secret, or --anonymous for a server in anonymous mode",
  );
const TARGET_PID = args.pid === undefined ? undefined : Number(args.pid);
if (TARGET_PID !== undefined && !(Number.isInteger(TARGET_PID) && TARGET_PID > 0))
  usage(`--pid must be a process id (got ${args.pid})`);
if (!URL_MODE && (args.secret !== undefined || args.anonymous || args.pid !== undefined))
  usage("--secret, --anonymous and --pid go with --url");

const docsPath = URL_MODE
  ? undefined
  : (args.docs ?? (args.quick || args["no-docs"] ? undefined : `${ROOT}docs/benchmarks.md`));
// A run against a server by URL writes no files unless asked to.
const jsonPath = args.json ?? (URL_MODE ? "" : `${ROOT}bench/results/side-by-side.json`);
const markdownPath = args.markdown ?? (URL_MODE ? "" : `${ROOT}bench/results/side-by-side.md`);

/** Files written inside the repository get the repository's formatting (biome, as `npm run lint`). */
function formatInRepo(paths) {
  const inside = paths.map((p) => resolvePath(p)).filter((p) => p.startsWith(ROOT));
  if (inside.length === 0) return;
  try {
    execFileSync(`${ROOT}node_modules/.bin/biome`, ["format", "--write", ...inside], {
      cwd: ROOT,
      stdio: "ignore",
    });
  } catch (error) {
    log(`side-by-side: could not format ${inside.join(", ")}: ${error.message}`);
  }
}

if (args.render !== undefined) {
  const report = JSON.parse(await readFile(args.render, "utf8"));
  const block = renderMarkdown(report);
  console.log(block);
  if (docsPath !== undefined) {
    await updateDocs(resolvePath(docsPath), block);
    formatInRepo([docsPath]);
  }
  process.exit(0);
}

const SCENARIOS = (args.only ?? "fanout,direct,idle,connrate").split(",").map((s) => s.trim());
const SERVERS = URL_MODE
  ? ["postoffice"]
  : (args.servers ?? "postoffice,ws,socketio").split(",").map((s) => s.trim());
for (const s of SCENARIOS)
  if (!["fanout", "direct", "idle", "connrate"].includes(s)) usage(`unknown scenario ${s}`);
for (const s of SERVERS)
  if (!["postoffice", "ws", "socketio"].includes(s)) usage(`unknown server ${s}`);
const FANOUT_RATES = list("fanout-rate");
const IDLE_COUNTS = list("idle-connections");
for (const [name, values] of [
  ["--fanout-rate", FANOUT_RATES],
  ["--idle-connections", IDLE_COUNTS],
])
  if (values.length === 0 || !values.every((v) => Number.isFinite(v) && v > 0))
    usage(`${name} takes positive numbers, comma-separated`);
const GENERATORS = Math.max(1, opt("generators"));
const PROFILE_DIR = args.profile === undefined ? undefined : resolvePath(args.profile);
const WARMUP_MS = opt("warmup") * 1000;
const SIO_CLIENT = args["sio-client"] === "official" ? "socketio-official" : "socketio";
/** Names of this run's users and room, so that a server by URL never mixes runs up. */
const RUN = randomBytes(3).toString("hex");
const ROOM = `bench-${RUN}`;
const START = performance.now();
const DEADLINE = START + opt("max-seconds") * 1000;

// --- bounded run: every child is tracked and killed if the run overruns or is interrupted ----

const children = new Set();
function killAll() {
  for (const child of [...children, ...runningServers]) child.kill("SIGKILL");
}
const overrun = setTimeout(() => {
  console.error(`side-by-side: over --max-seconds ${opt("max-seconds")}; stopping`);
  killAll();
  process.exit(2);
}, DEADLINE - START);
overrun.unref();
process.once("SIGINT", () => {
  killAll();
  process.exit(130);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const elapsed = () => `${((performance.now() - START) / 1000).toFixed(0)} s`;

/**
 * Client source addresses 127.0.0.2–127.0.0.201 (127.0.0.202: the fan-out publisher), so that
 * ephemeral ports never run out; only towards a loopback server (a server by URL elsewhere
 * gets the system's choice).
 */
const SPREAD = !URL_MODE || /^127\.\d+\.\d+\.\d+$/.test(TARGET.hostname);
const ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.0.${i + 2}`);
const addressesOf = (g, count) =>
  SPREAD ? ADDRESSES.filter((_, i) => i % count === g) : [undefined];
const PUBLISHER_ADDRESSES = SPREAD ? ["127.0.0.202"] : [undefined];

// --- file descriptors: one per connection, on each side ---------------------------------------

/** Open files a process needs besides its connections (Node's own, the SQLite store, logs). */
const FD_MARGIN = 200;

// Every Node process raises its own soft limit of open files to the hard limit when it starts
// (node.cc, "Raise the open file descriptor limit"): the servers and generators started here
// may each open as many files as the hard limit (`ulimit -Hn`) allows, whatever the soft
// limit of the shell. So the hard limit is what bounds a process, and each generator reports
// the soft limit it ended up with, which is checked before it opens anything.

/** Stops the run with a clear message before it starts something that could not work. */
function fdShortage(message) {
  console.error(`side-by-side: ${message}`);
  process.exit(1);
}

/** A server started here must be able to hold the largest idle count. */
function checkHardFdLimit() {
  if (URL_MODE || !SCENARIOS.includes("idle")) return;
  const largest = Math.max(...IDLE_COUNTS);
  const hard = fdLimits()?.hard;
  if (hard !== undefined && hard < largest + FD_MARGIN)
    fdShortage(
      `${largest.toLocaleString("en-US")} idle connections need ${largest + FD_MARGIN} open files in the server, ` +
        `above the hard limit of ${hard} (ulimit -Hn): lower --idle-connections or raise the hard limit`,
    );
}

/** Generators needed for `connections` open at once: each holds at most hard limit − margin. */
function generatorsFor(connections) {
  const hard = fdLimits()?.hard ?? Number.POSITIVE_INFINITY;
  const perProcess = hard - FD_MARGIN;
  if (perProcess <= 0) fdShortage(`the hard limit of open files (${hard}) is too low`);
  return Math.max(GENERATORS, Math.ceil(connections / perProcess));
}

// --- generator processes ---------------------------------------------------------------------

class Generator {
  pending = new Map();
  rid = 0;
  opened = 0;
  onEvent = () => {};

  constructor() {
    this.child = fork(GENERATOR, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code) => {
        children.delete(this.child);
        for (const { reject } of this.pending.values())
          reject(new Error(`generator exited (${code})`));
        this.pending.clear();
        resolve(code);
      }),
    );
    this.child.on("message", (message) => {
      if (message.rid === undefined) {
        if (message.ev === "progress") this.opened = message.opened;
        this.onEvent(message);
        return;
      }
      const waiter = this.pending.get(message.rid);
      if (waiter === undefined) return;
      this.pending.delete(message.rid);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message);
    });
  }

  call(cmd, params = {}, timeoutMs = 120_000) {
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new Error(`generator: ${cmd} timed out`));
      }, timeoutMs);
      this.pending.set(rid, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ cmd, rid, ...params });
    });
  }

  post(cmd, params = {}) {
    if (this.child.connected) this.child.send({ cmd, ...params });
  }

  async exit() {
    await this.call("exit", {}, 10_000).catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `count` generators for a server; `connections`: how many each will hold open at once,
 * checked against its own limit of open files.
 */
async function generators(count, clientKind, server, size, connections = 0) {
  const need = connections + FD_MARGIN;
  const gens = Array.from({ length: count }, () => new Generator());
  const replies = await Promise.all(
    gens.map((g) =>
      g.call("init", {
        kind: clientKind,
        host: server.host,
        url: server.url,
        secret: URL_MODE ? URL_SECRET : SECRET,
        size,
      }),
    ),
  );
  const short = replies.find((r) => r.fdSoft !== null && r.fdSoft < need);
  if (short !== undefined) {
    await Promise.all(gens.map((g) => g.exit()));
    throw new Error(
      `a generator may open ${short.fdSoft} files and needs ${need} for ${connections} connections: ` +
        `raise the hard limit (\`ulimit -Hn\`) or use more --generators`,
    );
  }
  return gens;
}

/** The server refused part of the load: the step's figures would be wrong. */
class Refused extends Error {
  constructor(refusals) {
    super(
      explainRefusals(refusals)
        .map((r) => r.text)
        .join("; "),
    );
    this.refusals = refusals;
  }
}

/** Throws Refused when any generator has seen a refusal. */
function checkRefusals(marks) {
  const refusals = mergeRefusals(marks.map((m) => m.refusals));
  if (refusalCount(refusals) > 0) throw new Refused(refusals);
}

/** Opens connections on every generator at once, with progress on stderr every 2 s. */
async function openAll(gens, perGen, label, extra = {}) {
  const total = perGen.reduce((sum, users) => sum + users.length, 0);
  for (const g of gens) g.opened = 0;
  const ticker = setInterval(() => {
    const opened = gens.reduce((sum, g) => sum + g.opened, 0);
    log(`      ${label}: ${opened}/${total} connected (${elapsed()})`);
  }, 2000);
  try {
    const replies = await Promise.all(
      gens.map((g, i) =>
        g.call(
          "open",
          {
            users: perGen[i],
            addresses: addressesOf(i, gens.length),
            concurrency: 32,
            ...extra,
          },
          600_000,
        ),
      ),
    );
    const failed = replies.reduce((sum, r) => sum + r.failed, 0);
    if (failed > 0) {
      log(`      ${label}: ${failed} of ${total} connections failed`);
      checkRefusals(await Promise.all(gens.map((g) => g.call("mark"))));
    }
  } finally {
    clearInterval(ticker);
  }
}

const clientKindOf = (kind) => {
  if (kind === "socketio") return SIO_CLIENT;
  if (kind === "postoffice" && URL_MODE && args.anonymous) return "postoffice-anonymous";
  return kind;
};

/** CPU and counters of the server and every generator, now; throws Refused on refusals. */
async function mark(server, gens) {
  const [serverCpu, ...marks] = await Promise.all([
    server.cpuSeconds(),
    ...gens.map((g) => g.call("mark")),
  ]);
  checkRefusals(marks);
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

const known = (value) => (Number.isFinite(value) ? value : null);

function window(m1, m2) {
  const seconds = (m2.at - m1.at) / 1000;
  return {
    seconds,
    rate: (key) => (m2[key] - m1[key]) / seconds,
    /**
     * Work done per second of server CPU: the server's efficiency, whoever was the bottleneck
     * (null when the server's CPU is not known: a server by URL without --pid).
     */
    perServerCpu: (key) =>
      known(Math.round((m2[key] - m1[key]) / Math.max(0.01, m2.serverCpu - m1.serverCpu))),
    serverCpuPercent: known(round(((m2.serverCpu - m1.serverCpu) / seconds) * 100, 0)),
    generatorCpuPercent: round(((m2.genCpu - m1.genCpu) / seconds) * 100, 0),
    lostConnections: m2.lostConnections - m1.lostConnections,
  };
}

async function histogramOf(gens) {
  const hist = new Histogram();
  for (const reply of await Promise.all(gens.map((g) => g.call("histogram"))))
    hist.merge(reply.histogram);
  return {
    p50Ms: round(hist.percentile(50), 2),
    p99Ms: round(hist.percentile(99), 2),
    maxMs: round(hist.percentile(100), 2),
    samples: hist.total,
  };
}

const split = (count, parts) =>
  Array.from({ length: parts }, (_, g) =>
    Array.from({ length: count }, (_, i) => i).filter((i) => i % parts === g),
  );

// --- scenarios ---------------------------------------------------------------------------------

async function fanout(kind) {
  const clients = opt("fanout-clients");
  const durationMs = opt("fanout-duration") * 1000;
  const server = await serverFor(kind);
  let subs = [];
  let pubs = [];
  try {
    subs = await generators(
      GENERATORS,
      clientKindOf(kind),
      server,
      opt("fanout-size"),
      Math.ceil(clients / GENERATORS),
    );
    pubs = await generators(1, clientKindOf(kind), server, opt("fanout-size"), 1);
    const [pub] = pubs;
    log(`      connecting ${clients} subscribers and joining the room`);
    await openAll(
      subs,
      split(clients, GENERATORS).map((ids) => ids.map((i) => ({ user: `${RUN}-sub-${i}` }))),
      "subscribers",
      { room: ROOM, role: "subscriber" },
    );
    await openAll([pub], [[{ user: `${RUN}-publisher` }]], "publisher", {
      room: ROOM,
      role: "publisher",
      addresses: PUBLISHER_ADDRESSES,
      concurrency: 1,
    });
    // The publisher stays `window` messages ahead of the slowest subscriber of all.
    const mins = subs.map(() => 0);
    let globalMin = 0;
    subs.forEach((g, i) => {
      g.onEvent = (m) => {
        if (m.ev !== "min") return;
        mins[i] = m.value;
        const low = Math.min(...mins);
        if (low > globalMin) {
          globalMin = low;
          pub.post("min", { value: low });
        }
      };
    });
    await sleep(WARMUP_MS); // Postoffice's presence events of the joins settle

    log(`      saturation for ${durationMs / 1000} s`);
    await pub.call("publish", { mode: "window", window: opt("fanout-window") });
    await sleep(WARMUP_MS);
    const s1 = await mark(server, [...subs, pub]);
    await sleep(durationMs);
    const s2 = await mark(server, [...subs, pub]);
    const { last: satLast } = await pub.call("stopPublish");
    const satDrained = await Promise.all(
      subs.map((g) => g.call("waitMin", { value: satLast, timeoutMs: 15_000 })),
    );
    const sat = window(s1, s2);

    // One measured paced phase per rate, slowest first (a server that falls behind at one rate
    // gets until the drain timeout to catch up before the next).
    const paced = [];
    for (const rate of FANOUT_RATES) {
      log(
        `      paced at ${rate} publishes/s (${(rate * clients).toLocaleString("en-US")} deliveries/s) for ${durationMs / 1000} s`,
      );
      await pub.call("publish", { mode: "paced", rate });
      await sleep(WARMUP_MS);
      await Promise.all(subs.map((g) => g.call("record")));
      const p1 = await mark(server, [...subs, pub]);
      await sleep(durationMs);
      const p2 = await mark(server, [...subs, pub]);
      const { last } = await pub.call("stopPublish");
      const drained = await Promise.all(
        subs.map((g) => g.call("waitMin", { value: last, timeoutMs: 15_000 })),
      );
      const w = window(p1, p2);
      const latency = await histogramOf(subs);
      paced.push({
        rate,
        deliveriesPerSecond: Math.round(w.rate("delivered")),
        ...latency,
        seconds: round(w.seconds, 2),
        serverCpuPercent: w.serverCpuPercent,
        generatorCpuPercent: w.generatorCpuPercent,
        lostConnections: w.lostConnections,
        drained: drained.every((r) => r.ok),
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
        drained: satDrained.every((r) => r.ok),
      },
      paced,
    };
  } finally {
    await server.stop();
    await Promise.all([...subs, ...pubs].map((g) => g.exit()));
  }
}

async function direct(kind, store) {
  const pairs = opt("direct-pairs");
  const durationMs = opt("direct-duration") * 1000;
  const rate = opt("direct-rate");
  const server = await serverFor(kind, store);
  let gens = [];
  try {
    gens = await generators(
      GENERATORS,
      clientKindOf(kind),
      server,
      opt("direct-size"),
      2 * Math.ceil(pairs / GENERATORS),
    );
    log(`      connecting ${pairs} pairs`);
    // Both ends of a pair live in the same generator.
    await openAll(
      gens,
      split(pairs, GENERATORS).map((ids) =>
        ids.flatMap((p) => [
          { user: `${RUN}-a-${p}`, partner: `${RUN}-b-${p}` },
          { user: `${RUN}-b-${p}`, partner: `${RUN}-a-${p}` },
        ]),
      ),
      "pairs",
      { role: "direct" },
    );
    log(`      saturation for ${durationMs / 1000} s`);
    await Promise.all(
      gens.map((g) => g.call("direct", { mode: "window", window: opt("direct-window") })),
    );
    await sleep(WARMUP_MS);
    await Promise.all(gens.map((g) => g.call("record")));
    const s1 = await mark(server, gens);
    await sleep(durationMs);
    const s2 = await mark(server, gens);
    const satStop = await Promise.all(gens.map((g) => g.call("stopDirect")));
    const satLatency = await histogramOf(gens);
    const sat = window(s1, s2);

    log(`      paced at ${rate} mails/s for ${durationMs / 1000} s`);
    await Promise.all(
      gens.map((g) => g.call("direct", { mode: "paced", rate: rate / GENERATORS })),
    );
    await sleep(WARMUP_MS);
    await Promise.all(gens.map((g) => g.call("record")));
    const p1 = await mark(server, gens);
    await sleep(durationMs);
    const p2 = await mark(server, gens);
    const pacedStop = await Promise.all(gens.map((g) => g.call("stopDirect")));
    const latency = await histogramOf(gens);
    const paced = window(p1, p2);
    const undelivered = (stops) => stops.reduce((sum, s) => sum + s.undelivered, 0);
    return {
      pairs,
      store: kind === "postoffice" && !URL_MODE ? store : undefined,
      saturation: {
        mailsPerSecond: Math.round(sat.rate("mails")),
        mailsPerServerCpuSecond: sat.perServerCpu("mails"),
        p50Ms: satLatency.p50Ms,
        p99Ms: satLatency.p99Ms,
        seconds: round(sat.seconds, 2),
        serverCpuPercent: sat.serverCpuPercent,
        generatorCpuPercent: sat.generatorCpuPercent,
        lostConnections: sat.lostConnections,
        undelivered: undelivered(satStop),
      },
      paced: {
        rate,
        mailsPerSecond: Math.round(paced.rate("mails")),
        ...latency,
        seconds: round(paced.seconds, 2),
        serverCpuPercent: paced.serverCpuPercent,
        generatorCpuPercent: paced.generatorCpuPercent,
        lostConnections: paced.lostConnections,
        undelivered: undelivered(pacedStop),
      },
    };
  } finally {
    await server.stop();
    await Promise.all(gens.map((g) => g.exit()));
  }
}

async function idle(kind, connections) {
  const server = await serverFor(kind);
  const count = generatorsFor(connections);
  if (count > GENERATORS)
    log(`      ${count} generator processes: each may hold ${fdLimits()?.hard} files at most`);
  let gens = [];
  try {
    checkServerFds(server, connections);
    gens = await generators(count, clientKindOf(kind), server, 0, Math.ceil(connections / count));
    await sleep(1000);
    await server.gc();
    const baseline = await server.memory();
    log(`      connecting ${connections} idle clients`);
    await openAll(
      gens,
      split(connections, count).map((ids) => ids.map((i) => ({ user: `${RUN}-idle-${i}` }))),
      "idle",
      { role: "idle" },
    );
    await sleep(opt("idle-settle") * 1000);
    const beforeGc = await server.memory();
    await server.gc();
    const loaded = await server.memory();
    const marks = await Promise.all(gens.map((g) => g.call("mark")));
    checkRefusals(marks);
    const open = marks.reduce((sum, m) => sum + m.open, 0);
    return {
      connections,
      generators: count,
      gc: !URL_MODE,
      open,
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

async function connrate(kind) {
  const concurrency = opt("connrate-concurrency");
  const durationMs = opt("connrate-duration") * 1000;
  const server = await serverFor(kind);
  let gens = [];
  try {
    gens = await generators(
      GENERATORS,
      clientKindOf(kind),
      server,
      0,
      Math.ceil(concurrency / GENERATORS),
    );
    log(
      `      opening and closing connections, ${concurrency} at a time, for ${durationMs / 1000} s`,
    );
    await Promise.all(
      gens.map((g, i) =>
        g.call("churn", {
          concurrency: Math.max(1, Math.round(concurrency / GENERATORS)),
          addresses: addressesOf(i, GENERATORS),
          prefix: `${RUN}-conn-${i}`,
          maxCount: 2_000_000,
        }),
      ),
    );
    await sleep(WARMUP_MS);
    const m1 = await mark(server, gens);
    await sleep(durationMs);
    const m2 = await mark(server, gens);
    await Promise.all(gens.map((g) => g.call("stopChurn")));
    checkRefusals(await Promise.all(gens.map((g) => g.call("mark"))));
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

// --- the run -----------------------------------------------------------------------------------

/** What a server by URL offers: its version (/health) and memory readings (/metrics). */
async function probeTarget() {
  const http = `${TARGET.protocol === "wss:" ? "https" : "http"}://${TARGET.host}`;
  const get = async (path) => {
    try {
      const res = await fetch(`${http}${path}`, { signal: AbortSignal.timeout(5000) });
      return res.ok ? await res.text() : undefined;
    } catch {
      return undefined;
    }
  };
  const [health, metrics] = await Promise.all([get("/health"), get("/metrics")]);
  let version;
  try {
    version = health === undefined ? undefined : JSON.parse(health).version;
  } catch {}
  const hasMemory =
    Number.isFinite(metricValue(metrics, "process_resident_memory_bytes")) &&
    Number.isFinite(metricValue(metrics, "nodejs_heap_size_used_bytes"));
  // One user first: a URL, a secret or a mode that is wrong fails here, before any load.
  let refusal;
  try {
    const client = await openClient(clientKindOf("postoffice"), {
      url: TARGET.toString(),
      user: `${RUN}-probe`,
      secret: URL_SECRET,
    });
    client.close();
  } catch (error) {
    refusal = error.message;
  }
  return {
    http,
    version,
    hasMemory,
    refusal,
    async memory() {
      const text = await get("/metrics");
      const rss =
        TARGET_PID === undefined
          ? metricValue(text, "process_resident_memory_bytes")
          : await rssBytes(TARGET_PID);
      return { rss, heapUsed: metricValue(text, "nodejs_heap_size_used_bytes") };
    },
  };
}

const probe = URL_MODE ? await probeTarget() : undefined;
if (probe?.refusal !== undefined) {
  const [{ hint }] = explainRefusals({ opens: { [probe.refusal]: 1 } });
  console.error(
    `side-by-side: could not open a connection to ${TARGET} as a benchmark user: ${probe.refusal}${hint === undefined ? "" : ` → ${hint}`}`,
  );
  process.exit(1);
}
if (URL_MODE && !probe.hasMemory && SCENARIOS.includes("idle")) {
  if (args.only !== undefined)
    usage(
      `idle memory needs the server's /metrics (${probe.http}/metrics, with metrics.processMetrics on): not reachable`,
    );
  SCENARIOS.splice(SCENARIOS.indexOf("idle"), 1);
  log(`side-by-side: idle memory left out: ${probe.http}/metrics has no process memory readings`);
}

/** The server at --url, as the scenarios see a server: never started or stopped here. */
const TARGET_SERVER = URL_MODE && {
  kind: "postoffice",
  pid: TARGET_PID,
  host: TARGET.host,
  url: TARGET.toString(),
  cpuSeconds: () =>
    TARGET_PID === undefined ? Promise.resolve(Number.NaN) : cpuSeconds(TARGET_PID),
  memory: () => probe.memory(),
  gc: async () => {}, // not ours to ask: readings include garbage
  stop: async () => {},
};

/** The server of one step: a fresh process, or the one at --url. */
function serverFor(kind, store) {
  if (URL_MODE) return Promise.resolve(TARGET_SERVER);
  return startServer(kind, { store, profileDir: PROFILE_DIR });
}

/** The server must be able to hold `connections` open (its soft limit of open files). */
function checkServerFds(server, connections) {
  if (server.pid === undefined) return;
  const soft = fdLimits(server.pid)?.soft;
  if (soft !== undefined && soft < connections + FD_MARGIN)
    throw new Error(
      `${server.kind} may open ${soft} files (ulimit -n), too few for ${connections} connections`,
    );
}

checkHardFdLimit();

const label = (kind) => (URL_MODE ? `Postoffice at ${TARGET}` : SERVER_LABELS[kind]);
const steps = [];
if (SCENARIOS.includes("fanout"))
  for (const kind of SERVERS)
    steps.push({ scenario: "fanout", kind, label: label(kind), run: () => fanout(kind) });
if (SCENARIOS.includes("direct"))
  for (const kind of SERVERS)
    for (const store of kind === "postoffice" && !URL_MODE ? ["memory", "sqlite"] : [undefined])
      steps.push({
        scenario: "direct",
        kind,
        key: store === undefined ? kind : `postoffice-${store}`,
        label: store === undefined ? label(kind) : `Postoffice (${store} store)`,
        run: () => direct(kind, store),
      });
if (SCENARIOS.includes("idle"))
  for (const count of IDLE_COUNTS)
    for (const kind of SERVERS)
      steps.push({
        scenario: "idle",
        count,
        kind,
        label: `${label(kind)}, ${count}`,
        run: () => idle(kind, count),
      });
if (SCENARIOS.includes("connrate"))
  for (const kind of SERVERS)
    steps.push({ scenario: "connrate", kind, label: label(kind), run: () => connrate(kind) });

/** A package's version, wherever it is installed (undefined if it is not). */
function packageVersion(name) {
  try {
    const require = createRequire(import.meta.url);
    return require(`${name}/package.json`).version;
  } catch {
    return undefined;
  }
}

const settings = {
  generators: GENERATORS,
  warmupSeconds: WARMUP_MS / 1000,
  socketIoClient: SIO_CLIENT === "socketio" ? "wire protocol over ws" : "socket.io-client",
  sourceAddresses: SPREAD ? "127.0.0.2–127.0.0.202" : "the system's",
};
const report = {
  generatedAt: new Date().toISOString(),
  quick: args.quick,
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    postofficeVersion: JSON.parse(await readFile(`${ROOT}package.json`, "utf8")).version,
    socketIoVersion: URL_MODE ? undefined : packageVersion("socket.io"),
    wsVersion: packageVersion("ws"),
  },
  settings,
};
if (URL_MODE)
  report.target = {
    url: TARGET.toString(),
    auth: args.anonymous ? "anonymous" : "jwt",
    pid: TARGET_PID,
    version: probe.version,
    memoryFrom: TARGET_PID === undefined ? "/metrics" : "/proc (RSS) and /metrics (heap)",
  };
if (SCENARIOS.includes("fanout"))
  report.fanout = {
    settings: {
      clients: opt("fanout-clients"),
      size: opt("fanout-size"),
      durationSeconds: opt("fanout-duration"),
      rates: FANOUT_RATES,
      window: opt("fanout-window"),
    },
    results: {},
  };
if (SCENARIOS.includes("direct"))
  report.direct = {
    settings: {
      pairs: opt("direct-pairs"),
      size: opt("direct-size"),
      durationSeconds: opt("direct-duration"),
      rate: opt("direct-rate"),
      window: opt("direct-window"),
    },
    results: {},
  };
if (SCENARIOS.includes("idle"))
  report.idle = IDLE_COUNTS.map((connections) => ({
    connections,
    settleSeconds: opt("idle-settle"),
    results: {},
  }));
if (SCENARIOS.includes("connrate"))
  report.connrate = {
    settings: {
      concurrency: opt("connrate-concurrency"),
      durationSeconds: opt("connrate-duration"),
    },
    results: {},
  };

log(
  `side-by-side: ${steps.length} steps (${SCENARIOS.join(", ")}) against ${URL_MODE ? TARGET : SERVERS.map((s) => SERVER_LABELS[s]).join(", ")}; ` +
    `${GENERATORS} generator processes; bounded at ${opt("max-seconds")} s`,
);
const refused = [];
for (const [i, step] of steps.entries()) {
  log(`[${i + 1}/${steps.length}] ${step.scenario} · ${step.label} (${elapsed()})`);
  let result;
  try {
    result = await step.run();
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    // No figure from this step: the refusals would have made it wrong.
    result = { refused: error.refusals };
    refused.push({ step: `${step.scenario} · ${step.label}`, refusals: error.refusals });
    log(`      refused by the server: ${error.message}`);
  }
  if (step.scenario === "fanout") report.fanout.results[step.kind] = result;
  else if (step.scenario === "direct") report.direct.results[step.key] = result;
  else if (step.scenario === "idle")
    report.idle.find((r) => r.connections === step.count).results[step.kind] = result;
  else report.connrate.results[step.kind] = result;
}
report.seconds = Math.round((performance.now() - START) / 1000);

const block = renderMarkdown(report);
console.log(block);
if (jsonPath !== "") {
  await mkdir(dirname(resolvePath(jsonPath)), { recursive: true });
  await writeFile(resolvePath(jsonPath), `${JSON.stringify(report, null, 2)}\n`);
}
if (markdownPath !== "") {
  await mkdir(dirname(resolvePath(markdownPath)), { recursive: true });
  await writeFile(resolvePath(markdownPath), `${block}\n`);
}
if (docsPath !== undefined) await updateDocs(resolvePath(docsPath), block);
formatInRepo([jsonPath, markdownPath, docsPath].filter((p) => p !== undefined && p !== ""));
log(`side-by-side: done in ${elapsed()}`);
if (refused.length > 0) {
  console.error(
    `side-by-side: the server refused part of the load; these steps have no figures:\n${refused
      .map(
        (r) =>
          `  - ${r.step}: ${explainRefusals(r.refusals)
            .map((e) => e.text)
            .join("; ")}`,
      )
      .join("\n")}`,
  );
  process.exit(EXIT_REFUSED);
}
process.exit(0);
