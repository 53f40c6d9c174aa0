#!/usr/bin/env node
// Durable point-to-point mail: throughput and latency with the SQLite store against the
// in-memory store, measured one after the other in the same run (figures are only
// comparable within a run on these noisy machines).
//
//   npm run bench:mail -- [--pairs 50] [--count 400] [--window 32] [--rate 2000] [--json out.json]
//                         [--strace] [--stores memory,sqlite] [--synchronous full|normal]
//
// Two phases per store: saturation (each sender keeps `window` mails in flight: throughput)
// and paced (all senders together send `rate` mails per second: latency at moderate load).
//
// The server runs as its own process (the built CLI); this process is the load generator.
// Each sender keeps at most `window` mails waiting for `accepted`; each recipient
// acknowledges every 50 mails, so `delivered` receipts flow back as in real use.
/** @import WebSocket from "ws" */
/** @import { BenchServer, Store } from "./side-by-side/servers.mjs" */
//
// For the SQLite store, each phase also reports the group commits: how many writes (mail,
// acks) each held (mean, and p50/p99 as the upper bound of their histogram bucket), commits per
// second and WAL fdatasyncs per second, from the server's metrics. `--strace` counts the
// server's fsync and fdatasync calls over the saturation phase with `strace -c`, as a check.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import {
  ACK_EVERY,
  ackEvery,
  connectPairs,
  markdownTable,
  metricValue,
  round,
  scriptOptions,
} from "./lib.mjs";
import { startServer } from "./side-by-side/servers.mjs";

const { args, log } = scriptOptions({
  pairs: { type: "string", default: "50" },
  count: { type: "string", default: "400" },
  window: { type: "string", default: "32" },
  rate: { type: "string", default: "2000" },
  strace: { type: "boolean", default: false },
  stores: { type: "string", default: "memory,sqlite" },
  synchronous: { type: "string", default: "full" },
});
const PAIRS = Number(args.pairs);
const COUNT = Number(args.count);
const WINDOW = Number(args.window);
const RATE = Number(args.rate);
const TIMEOUT_MS = 60_000;

/**
 * @param {number[]} sorted
 * @param {number} p
 */
function percentile(sorted, p) {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

/**
 * Sends paced at `perSecond`, in ticks of 10 ms; otherwise as saturation.
 * @param {WebSocket} sender
 * @param {WebSocket} recipient
 * @param {string} pair the recipient's name
 * @param {number[]} acceptLatencies
 * @param {number[]} deliveryLatencies
 * @param {number | undefined} perSecond
 */
async function runPair(sender, recipient, pair, acceptLatencies, deliveryLatencies, perSecond) {
  /** @type {Map<string, number>} */
  const sentAt = new Map();
  let next = 0;
  let accepted = 0;
  let received = 0;
  /** @type {Promise<void>} */
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pair ${pair} timed out`)), TIMEOUT_MS);
    const finish = () => {
      if (received === COUNT && accepted === COUNT) {
        clearTimeout(timer);
        clearInterval(pacer);
        resolve();
      }
    };
    let allowed = perSecond === undefined ? Number.POSITIVE_INFINITY : 0;
    const pacer =
      perSecond === undefined
        ? undefined
        : setInterval(() => {
            allowed += perSecond / 100;
            sendMore();
          }, 10);
    const sendMore = () => {
      while (next < COUNT && next - accepted < WINDOW && next < allowed) {
        const id = `m${next}`;
        sentAt.set(id, performance.now());
        sender.send(
          JSON.stringify({
            type: "message",
            id,
            data: { to: pair, n: next, t: performance.now() },
          }),
        );
        next++;
      }
    };
    sender.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === "error") reject(new Error(JSON.stringify(frame)));
      if (frame.type !== "receipt" || frame.data.status !== "accepted") return;
      acceptLatencies.push(performance.now() - (sentAt.get(frame.ref) ?? Number.NaN));
      accepted++;
      sendMore();
      finish();
    });
    recipient.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== "message") return;
      deliveryLatencies.push(performance.now() - frame.data.body.t);
      received++;
      ackEvery(recipient, received, COUNT, frame.data.seq);
      finish();
    });
    sendMore();
  });
  await done;
}

/**
 * @typedef {{ commits: number, writes: number, syncs: number, buckets: { le: number, n: number }[] }} CommitCounters
 */

/**
 * The store's group-commit metrics (SQLite only; NaN elsewhere).
 * @param {BenchServer} server
 * @returns {Promise<CommitCounters>}
 */
async function commitCounters(server) {
  const text = await (await fetch(`http://${server.host}/metrics`)).text();
  const buckets = [
    ...text.matchAll(/^postoffice_mailbox_commit_writes_bucket\{le="([^"]+)"\} (\S+)/gm),
  ].map((m) => ({
    le: m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]),
    n: Number(m[2]),
  }));
  return {
    commits: metricValue(text, "postoffice_mailbox_commit_writes_count"),
    writes: metricValue(text, "postoffice_mailbox_commit_writes_sum"),
    syncs: metricValue(text, "postoffice_mailbox_wal_syncs_total"),
    buckets,
  };
}

/**
 * @param {CommitCounters} before
 * @param {CommitCounters} after
 * @param {number} seconds
 */
function commitFigures(before, after, seconds) {
  const commits = after.commits - before.commits;
  if (!(commits > 0)) return {};
  /** @param {number} q */
  const quantile = (q) =>
    after.buckets.find((b, i) => b.n - (before.buckets[i]?.n ?? 0) >= q * commits)?.le;
  return {
    commitsPerSecond: Math.round(commits / seconds),
    writesPerCommitMean: round((after.writes - before.writes) / commits, 1),
    writesPerCommitP50: quantile(0.5),
    writesPerCommitP99: quantile(0.99),
    walSyncsPerSecond: Math.round((after.syncs - before.syncs) / seconds),
  };
}

/**
 * `strace -c -w` on the server for fsync and fdatasync; stop() resolves with their counts and
 * their mean wall time (µs): how long the disk takes to make a commit durable.
 * @param {number} pid
 */
function straceSyncs(pid) {
  const args = ["-c", "-w", "-f", "-e", "trace=fsync,fdatasync", "-p", String(pid)];
  const child = spawn("strace", args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let text = "";
  child.stderr.on("data", (chunk) => {
    text += chunk;
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    async stop() {
      child.kill("SIGINT");
      await exited;
      /** @param {string} name */
      const row = (name) =>
        new RegExp(
          `^\\s*[\\d.]+\\s+[\\d.]+\\s+(\\d+)\\s+(\\d+)\\s+(?:\\d+\\s+)?${name}$`,
          "m",
        ).exec(text);
      /** @param {string} name */
      const calls = (name) => Number(row(name)?.[2] ?? 0);
      /** @param {string} name */
      const micros = (name) => Number(row(name)?.[1] ?? Number.NaN);
      return {
        fdatasync: calls("fdatasync"),
        fsync: calls("fsync"),
        fdatasyncUs: micros("fdatasync"),
        fsyncUs: micros("fsync"),
      };
    },
  };
}

/**
 * @param {BenchServer & { url: string }} server
 * @param {number | undefined} perSecond
 */
async function phase(server, perSecond) {
  const tag = perSecond === undefined ? "sat" : "paced";
  // Pair i sends to `${tag}-r${i}`.
  const { senders, recipients } = await connectPairs(server.url, tag, PAIRS);
  /** @type {number[]} */
  const acceptLatencies = [];
  /** @type {number[]} */
  const deliveryLatencies = [];
  const commits0 = await commitCounters(server);
  const strace =
    args.strace && perSecond === undefined && server.pid !== undefined
      ? straceSyncs(server.pid)
      : undefined;
  const serverCpu0 = await server.cpuSeconds();
  const ownCpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    senders.map((s, i) =>
      runPair(
        s,
        /** @type {WebSocket} */ (recipients[i]),
        `${tag}-r${i}`,
        acceptLatencies,
        deliveryLatencies,
        perSecond,
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (await server.cpuSeconds()) - serverCpu0;
  const own = process.cpuUsage(ownCpu0);
  const syscalls = await strace?.stop();
  const commits = commitFigures(commits0, await commitCounters(server), seconds);
  for (const ws of [...senders, ...recipients]) ws.terminate();
  acceptLatencies.sort((a, b) => a - b);
  deliveryLatencies.sort((a, b) => a - b);
  return {
    seconds,
    mailsPerSecond: Math.round((PAIRS * COUNT) / seconds),
    acceptedP50Ms: round(percentile(acceptLatencies, 50), 2),
    acceptedP99Ms: round(percentile(acceptLatencies, 99), 2),
    deliveryP50Ms: round(percentile(deliveryLatencies, 50), 2),
    deliveryP99Ms: round(percentile(deliveryLatencies, 99), 2),
    serverCpuSeconds: round(serverCpu, 2),
    generatorCpuSeconds: round((own.user + own.system) / 1e6, 2),
    commits,
    ...(syscalls === undefined
      ? {}
      : {
          straceFdatasyncPerSecond: Math.round(syscalls.fdatasync / seconds),
          straceFsyncPerSecond: Math.round(syscalls.fsync / seconds),
          straceSyncMeanMs: round(
            (syscalls.fdatasync * (syscalls.fdatasyncUs || 0) +
              syscalls.fsync * (syscalls.fsyncUs || 0)) /
              1000 /
              Math.max(1, syscalls.fdatasync + syscalls.fsync),
            1,
          ),
        }),
  };
}

/** @param {Store} store */
async function measure(store) {
  // The benchmark measures throughput: rate limits off (startServer), mailboxes big enough.
  const server = await startServer("postoffice", {
    store,
    env: {
      POSTOFFICE_MAILBOX_MAX_MESSAGES: String(COUNT * 2 + 10),
      POSTOFFICE_SQLITE_SYNCHRONOUS: String(args.synchronous),
    },
  });
  try {
    const url = server.url;
    if (url === undefined) throw new Error("no WebSocket URL");
    const saturated = await phase({ ...server, url }, undefined);
    const paced = await phase({ ...server, url }, RATE / PAIRS);
    return {
      store,
      mails: PAIRS * COUNT,
      mailsPerSecond: saturated.mailsPerSecond,
      satDeliveryP50Ms: saturated.deliveryP50Ms,
      satDeliveryP99Ms: saturated.deliveryP99Ms,
      serverCpuSecPerKMail: round((saturated.serverCpuSeconds * 1000) / (PAIRS * COUNT), 3),
      generatorCpuSeconds: saturated.generatorCpuSeconds,
      pacedRate: RATE,
      pacedAcceptedP50Ms: paced.acceptedP50Ms,
      pacedAcceptedP99Ms: paced.acceptedP99Ms,
      pacedDeliveryP50Ms: paced.deliveryP50Ms,
      pacedDeliveryP99Ms: paced.deliveryP99Ms,
      satCommitsPerSecond: saturated.commits.commitsPerSecond,
      satWritesPerCommitMean: saturated.commits.writesPerCommitMean,
      satWritesPerCommitP50: saturated.commits.writesPerCommitP50,
      satWritesPerCommitP99: saturated.commits.writesPerCommitP99,
      satWalSyncsPerSecond: saturated.commits.walSyncsPerSecond,
      pacedWritesPerCommitMean: paced.commits.writesPerCommitMean,
      pacedWalSyncsPerSecond: paced.commits.walSyncsPerSecond,
      ...(saturated.straceFdatasyncPerSecond === undefined
        ? {}
        : {
            satStraceFdatasyncPerSecond: saturated.straceFdatasyncPerSecond,
            satStraceFsyncPerSecond: saturated.straceFsyncPerSecond,
            satStraceSyncMeanMs: saturated.straceSyncMeanMs,
          }),
    };
  } finally {
    await server.stop();
  }
}

log(
  `durable mail: ${PAIRS} pairs × ${COUNT} mails; saturation window ${WINDOW}; paced at ${RATE}/s; acks every ${ACK_EVERY}`,
);
const results = [];
for (const name of String(args.stores).split(",")) {
  if (name !== "memory" && name !== "sqlite" && name !== "redis")
    throw new Error(`--stores: unknown store "${name}" (memory, sqlite, redis)`);
  log(`  measuring ${name} store...`);
  results.push(await measure(name));
}
const memory = results.find((r) => r.store === "memory");
const sqlite = results.find((r) => r.store === "sqlite");
const ratio =
  memory && sqlite
    ? { sqliteToMemoryThroughput: round(sqlite.mailsPerSecond / memory.mailsPerSecond, 2) }
    : {};
console.log(markdownTable(results));
if (ratio.sqliteToMemoryThroughput !== undefined)
  console.log(`\nSQLite / memory throughput in this run: ${ratio.sqliteToMemoryThroughput}×`);
if (args.json) {
  await writeFile(
    args.json,
    JSON.stringify({ pairs: PAIRS, count: COUNT, window: WINDOW, results, ratio }, null, 2),
  );
}
