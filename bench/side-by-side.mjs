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
//   npm run bench -- --idle-connections 10000,19000 --only idle
//   node bench/side-by-side.mjs --render bench/results/side-by-side.json   # docs from a JSON
//
// Each server is its own process, started afresh for every scenario; the load comes from
// generator processes (bench/side-by-side/generator.mjs), never from this one. The server's
// CPU is read from /proc, the generators' from their own process.cpuUsage().
import { execFileSync, fork } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { round, SECRET } from "./lib.mjs";
import { Histogram } from "./side-by-side/histogram.mjs";
import { renderMarkdown, updateDocs } from "./side-by-side/report.mjs";
import { SERVER_LABELS, startServer } from "./side-by-side/servers.mjs";

const GENERATOR = fileURLToPath(new URL("./side-by-side/generator.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const FULL = {
  "fanout-clients": "1000",
  "fanout-size": "32",
  "fanout-duration": "10",
  "fanout-rate": "200",
  "fanout-window": "32",
  "direct-pairs": "500",
  "direct-size": "32",
  "direct-duration": "10",
  "direct-rate": "2000",
  "direct-window": "8",
  "idle-connections": "5000",
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

const stringOptions = Object.fromEntries(Object.keys(FULL).map((key) => [key, { type: "string" }]));
const { values: args } = parseArgs({
  options: {
    ...stringOptions,
    quick: { type: "boolean", default: false },
    only: { type: "string", default: "fanout,direct,idle,connrate" },
    servers: { type: "string", default: "postoffice,ws,socketio" },
    "sio-client": { type: "string", default: "wire" },
    json: { type: "string", default: `${ROOT}bench/results/side-by-side.json` },
    markdown: { type: "string", default: `${ROOT}bench/results/side-by-side.md` },
    docs: { type: "string" },
    "no-docs": { type: "boolean", default: false },
    render: { type: "string" },
    quiet: { type: "boolean", default: false },
    profile: { type: "string" },
  },
});
const preset = args.quick ? QUICK : FULL;
const opt = (name) => Number(args[name] ?? preset[name]);
const log = (...parts) => {
  if (!args.quiet) console.error(...parts);
};
const docsPath =
  args.docs ?? (args.quick || args["no-docs"] ? undefined : `${ROOT}docs/benchmarks.md`);

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

const SCENARIOS = args.only.split(",").map((s) => s.trim());
const SERVERS = args.servers.split(",").map((s) => s.trim());
for (const s of SCENARIOS)
  if (!["fanout", "direct", "idle", "connrate"].includes(s))
    throw new Error(`unknown scenario ${s}`);
for (const s of SERVERS)
  if (!["postoffice", "ws", "socketio"].includes(s)) throw new Error(`unknown server ${s}`);
const GENERATORS = Math.max(1, opt("generators"));
const PROFILE_DIR = args.profile === undefined ? undefined : resolvePath(args.profile);
const WARMUP_MS = opt("warmup") * 1000;
const SIO_CLIENT = args["sio-client"] === "official" ? "socketio-official" : "socketio";
const START = performance.now();
const DEADLINE = START + opt("max-seconds") * 1000;

// --- bounded run: every child is tracked and killed if the run overruns or is interrupted ----

const children = new Set();
function killAll() {
  for (const child of children) child.kill("SIGKILL");
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

/** Client source addresses 127.0.0.2–127.0.0.201, so that ephemeral ports never run out. */
const ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.0.${i + 2}`);
const addressesOf = (g, count) => ADDRESSES.filter((_, i) => i % count === g);

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

async function generators(count, clientKind, server, size) {
  const gens = Array.from({ length: count }, () => new Generator());
  await Promise.all(
    gens.map((g) => g.call("init", { kind: clientKind, host: server.host, secret: SECRET, size })),
  );
  return gens;
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
    if (failed > 0)
      throw new Error(
        `${label}: ${failed} of ${total} connections failed (${replies.find((r) => r.failed > 0)?.firstError})`,
      );
  } finally {
    clearInterval(ticker);
  }
}

const clientKindOf = (kind) => (kind === "socketio" ? SIO_CLIENT : kind);

/** CPU and counters of the server and every generator, now. */
async function mark(server, gens) {
  const [serverCpu, ...marks] = await Promise.all([
    server.cpuSeconds(),
    ...gens.map((g) => g.call("mark")),
  ]);
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

function window(m1, m2) {
  const seconds = (m2.at - m1.at) / 1000;
  return {
    seconds,
    rate: (key) => (m2[key] - m1[key]) / seconds,
    /** Work done per second of server CPU: the server's efficiency, whoever was the bottleneck. */
    perServerCpu: (key) =>
      Math.round((m2[key] - m1[key]) / Math.max(0.01, m2.serverCpu - m1.serverCpu)),
    serverCpuPercent: round(((m2.serverCpu - m1.serverCpu) / seconds) * 100, 0),
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
  const rate = opt("fanout-rate");
  const server = await startServer(kind, { profileDir: PROFILE_DIR });
  const subs = await generators(GENERATORS, clientKindOf(kind), server, opt("fanout-size"));
  const [pub] = await generators(1, clientKindOf(kind), server, opt("fanout-size"));
  try {
    log(`      connecting ${clients} subscribers and joining the room`);
    await openAll(
      subs,
      split(clients, GENERATORS).map((ids) => ids.map((i) => ({ user: `sub-${i}` }))),
      "subscribers",
      { room: "bench", role: "subscriber" },
    );
    const addresses = ["127.0.0.202"];
    await pub.call("open", {
      users: [{ user: "publisher" }],
      room: "bench",
      role: "publisher",
      addresses,
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

    log(`      paced at ${rate} publishes/s for ${durationMs / 1000} s`);
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
    const paced = window(p1, p2);
    const latency = await histogramOf(subs);
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
      paced: {
        rate,
        deliveriesPerSecond: Math.round(paced.rate("delivered")),
        ...latency,
        seconds: round(paced.seconds, 2),
        serverCpuPercent: paced.serverCpuPercent,
        generatorCpuPercent: paced.generatorCpuPercent,
        lostConnections: paced.lostConnections,
        drained: drained.every((r) => r.ok),
      },
    };
  } finally {
    await server.stop();
    await Promise.all([...subs, pub].map((g) => g.exit()));
  }
}

async function direct(kind, store) {
  const pairs = opt("direct-pairs");
  const durationMs = opt("direct-duration") * 1000;
  const rate = opt("direct-rate");
  const server = await startServer(kind, { store, profileDir: PROFILE_DIR });
  const gens = await generators(GENERATORS, clientKindOf(kind), server, opt("direct-size"));
  try {
    log(`      connecting ${pairs} pairs`);
    // Both ends of a pair live in the same generator.
    await openAll(
      gens,
      split(pairs, GENERATORS).map((ids) =>
        ids.flatMap((p) => [
          { user: `a-${p}`, partner: `b-${p}` },
          { user: `b-${p}`, partner: `a-${p}` },
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
      store: kind === "postoffice" ? store : undefined,
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
  const server = await startServer(kind, { profileDir: PROFILE_DIR });
  const gens = await generators(GENERATORS, clientKindOf(kind), server, 0);
  try {
    await sleep(1000);
    await server.gc();
    const baseline = await server.memory();
    log(`      connecting ${connections} idle clients`);
    await openAll(
      gens,
      split(connections, GENERATORS).map((ids) => ids.map((i) => ({ user: `idle-${i}` }))),
      "idle",
      { role: "idle" },
    );
    await sleep(opt("idle-settle") * 1000);
    const beforeGc = await server.memory();
    await server.gc();
    const loaded = await server.memory();
    const marks = await Promise.all(gens.map((g) => g.call("mark")));
    const open = marks.reduce((sum, m) => sum + m.open, 0);
    return {
      connections,
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
  const server = await startServer(kind, { profileDir: PROFILE_DIR });
  const gens = await generators(GENERATORS, clientKindOf(kind), server, 0);
  try {
    log(
      `      opening and closing connections, ${concurrency} at a time, for ${durationMs / 1000} s`,
    );
    await Promise.all(
      gens.map((g, i) =>
        g.call("churn", {
          concurrency: Math.max(1, Math.round(concurrency / GENERATORS)),
          addresses: addressesOf(i, GENERATORS),
          prefix: `conn-${i}`,
          maxCount: 2_000_000,
        }),
      ),
    );
    await sleep(WARMUP_MS);
    const m1 = await mark(server, gens);
    await sleep(durationMs);
    const m2 = await mark(server, gens);
    await Promise.all(gens.map((g) => g.call("stopChurn")));
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

const idleCounts = String(args["idle-connections"] ?? preset["idle-connections"])
  .split(",")
  .map(Number);
const steps = [];
if (SCENARIOS.includes("fanout"))
  for (const kind of SERVERS) steps.push({ scenario: "fanout", kind, run: () => fanout(kind) });
if (SCENARIOS.includes("direct"))
  for (const kind of SERVERS)
    for (const store of kind === "postoffice" ? ["memory", "sqlite"] : [undefined])
      steps.push({
        scenario: "direct",
        kind,
        key: kind === "postoffice" ? `postoffice-${store}` : kind,
        label: kind === "postoffice" ? `Postoffice (${store} store)` : SERVER_LABELS[kind],
        run: () => direct(kind, store),
      });
if (SCENARIOS.includes("idle"))
  for (const count of idleCounts)
    for (const kind of SERVERS)
      steps.push({
        scenario: "idle",
        count,
        kind,
        label: `${SERVER_LABELS[kind]}, ${count}`,
        run: () => idle(kind, count),
      });
if (SCENARIOS.includes("connrate"))
  for (const kind of SERVERS) steps.push({ scenario: "connrate", kind, run: () => connrate(kind) });

const settings = {
  generators: GENERATORS,
  warmupSeconds: WARMUP_MS / 1000,
  socketIoClient: SIO_CLIENT === "socketio" ? "wire protocol over ws" : "socket.io-client",
};
const report = {
  generatedAt: new Date().toISOString(),
  quick: args.quick,
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    postofficeVersion: JSON.parse(await readFile(`${ROOT}package.json`, "utf8")).version,
    socketIoVersion: JSON.parse(
      await readFile(`${ROOT}node_modules/socket.io/package.json`, "utf8"),
    ).version,
    wsVersion: JSON.parse(await readFile(`${ROOT}node_modules/ws/package.json`, "utf8")).version,
  },
  settings,
};
if (SCENARIOS.includes("fanout"))
  report.fanout = {
    settings: {
      clients: opt("fanout-clients"),
      size: opt("fanout-size"),
      durationSeconds: opt("fanout-duration"),
      rate: opt("fanout-rate"),
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
  report.idle = idleCounts.map((connections) => ({
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
  `side-by-side: ${steps.length} steps (${SCENARIOS.join(", ")}) against ${SERVERS.map((s) => SERVER_LABELS[s]).join(", ")}; ` +
    `${GENERATORS} generator processes; bounded at ${opt("max-seconds")} s`,
);
for (const [i, step] of steps.entries()) {
  log(
    `[${i + 1}/${steps.length}] ${step.scenario} · ${step.label ?? SERVER_LABELS[step.kind]} (${elapsed()})`,
  );
  const result = await step.run();
  if (step.scenario === "fanout") report.fanout.results[step.kind] = result;
  else if (step.scenario === "direct") report.direct.results[step.key] = result;
  else if (step.scenario === "idle")
    report.idle.find((r) => r.connections === step.count).results[step.kind] = result;
  else report.connrate.results[step.kind] = result;
}
report.seconds = Math.round((performance.now() - START) / 1000);

const block = renderMarkdown(report);
console.log(block);
if (args.json !== "") {
  await mkdir(dirname(resolvePath(args.json)), { recursive: true });
  await writeFile(resolvePath(args.json), `${JSON.stringify(report, null, 2)}\n`);
}
if (args.markdown !== "") {
  await mkdir(dirname(resolvePath(args.markdown)), { recursive: true });
  await writeFile(resolvePath(args.markdown), `${block}\n`);
}
if (docsPath !== undefined) await updateDocs(resolvePath(docsPath), block);
formatInRepo([args.json, args.markdown, docsPath].filter((p) => p !== undefined && p !== ""));
log(`side-by-side: done in ${elapsed()}`);
process.exit(0);
