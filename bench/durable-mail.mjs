#!/usr/bin/env node
// Durable point-to-point mail: throughput and latency with the SQLite store against the
// in-memory store, measured one after the other in the same run (figures are only
// comparable within a run on these noisy machines).
//
//   npm run bench:mail -- [--pairs 50] [--count 400] [--window 32] [--rate 2000] [--json out.json]
//
// Two phases per store: saturation (each sender keeps `window` mails in flight: throughput)
// and paced (all senders together send `rate` mails per second: latency at moderate load).
//
// The server runs as its own process (the built CLI); this process is the load generator.
// Each sender keeps at most `window` mails waiting for `accepted`; each recipient
// acknowledges every 50 mails, so `delivered` receipts flow back as in real use.
/** @import WebSocket from "ws" */
/** @import { BenchServer, Store } from "./side-by-side/servers.mjs" */
import { writeFile } from "node:fs/promises";
import { ACK_EVERY, ackEvery, connectPairs, markdownTable, round, scriptOptions } from "./lib.mjs";
import { startServer } from "./side-by-side/servers.mjs";

const { args, log } = scriptOptions({
  pairs: { type: "string", default: "50" },
  count: { type: "string", default: "400" },
  window: { type: "string", default: "32" },
  rate: { type: "string", default: "2000" },
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
  };
}

/** @param {Store} store */
async function measure(store) {
  // The benchmark measures throughput: rate limits off (startServer), mailboxes big enough.
  const server = await startServer("postoffice", {
    store,
    env: { POSTOFFICE_MAILBOX_MAX_MESSAGES: String(COUNT * 2 + 10) },
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
    };
  } finally {
    await server.stop();
  }
}

log(
  `durable mail: ${PAIRS} pairs × ${COUNT} mails; saturation window ${WINDOW}; paced at ${RATE}/s; acks every ${ACK_EVERY}`,
);
log("  measuring memory store...");
const memory = await measure("memory");
log("  measuring sqlite store...");
const sqlite = await measure("sqlite");
const results = [memory, sqlite];
const ratio = { sqliteToMemoryThroughput: round(sqlite.mailsPerSecond / memory.mailsPerSecond, 2) };
console.log(markdownTable(results));
console.log(`\nSQLite / memory throughput in this run: ${ratio.sqliteToMemoryThroughput}×`);
if (args.json) {
  await writeFile(
    args.json,
    JSON.stringify({ pairs: PAIRS, count: COUNT, window: WINDOW, results, ratio }, null, 2),
  );
}
