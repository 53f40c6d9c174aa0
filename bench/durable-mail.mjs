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
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CLI,
  connect,
  cpuSeconds,
  freePort,
  markdownTable,
  NO_RATE_LIMITS,
  round,
  SECRET,
} from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    pairs: { type: "string", default: "50" },
    count: { type: "string", default: "400" },
    window: { type: "string", default: "32" },
    rate: { type: "string", default: "2000" },
    json: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});
const PAIRS = Number(args.pairs);
const COUNT = Number(args.count);
const WINDOW = Number(args.window);
const RATE = Number(args.rate);
const TIMEOUT_MS = 60_000;
const log = (...parts) => {
  if (!args.quiet) console.error(...parts);
};

async function startServer(store, dataDir) {
  const port = await freePort();
  // The benchmark measures throughput, so the per-connection rate limits are off.
  const configFile = join(dataDir, "bench.yaml");
  await writeFile(configFile, NO_RATE_LIMITS);
  const child = spawn(
    process.execPath,
    [CLI, "start", "--port", String(port), "--host", "127.0.0.1", "--config", configFile],
    {
      env: {
        PATH: process.env.PATH,
        POSTOFFICE_JWT_SECRET: SECRET,
        POSTOFFICE_MAILBOX_STORE: store,
        POSTOFFICE_DATA_DIR: dataDir,
        POSTOFFICE_LOG_FORMAT: "json",
        POSTOFFICE_LOG_LEVEL: "info",
        POSTOFFICE_MAILBOX_MAX_MESSAGES: String(COUNT * 2 + 10),
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("postoffice is ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

function percentile(sorted, p) {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends paced at `perSecond`, in ticks of 10 ms; otherwise as saturation. */
async function runPair(sender, recipient, pair, acceptLatencies, deliveryLatencies, perSecond) {
  const sentAt = new Map();
  let next = 0;
  let accepted = 0;
  let received = 0;
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
      acceptLatencies.push(performance.now() - sentAt.get(frame.ref));
      accepted++;
      sendMore();
      finish();
    });
    recipient.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== "message") return;
      deliveryLatencies.push(performance.now() - frame.data.body.t);
      received++;
      if (received % 50 === 0 || received === COUNT)
        recipient.send(JSON.stringify({ type: "ack", data: { seq: frame.data.seq } }));
      finish();
    });
    sendMore();
  });
  await done;
}

async function phase(url, child, perSecond) {
  const senders = [];
  const recipients = [];
  const tag = perSecond === undefined ? "sat" : "paced";
  for (let i = 0; i < PAIRS; i++) {
    senders.push(await connect(url, `${tag}-s${i}`));
    recipients.push(await connect(url, `${tag}-r${i}`));
  }
  // Pair i sends to `${tag}-r${i}`.
  const acceptLatencies = [];
  const deliveryLatencies = [];
  const serverCpu0 = await cpuSeconds(child.pid);
  const ownCpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    senders.map((s, i) =>
      runPair(s, recipients[i], `${tag}-r${i}`, acceptLatencies, deliveryLatencies, perSecond),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (await cpuSeconds(child.pid)) - serverCpu0;
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

async function measure(store) {
  const dataDir = await mkdtemp(join(tmpdir(), "postoffice-bench-"));
  const { child, url } = await startServer(store, dataDir);
  try {
    const saturated = await phase(url, child, undefined);
    const paced = await phase(url, child, RATE / PAIRS);
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
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

log(
  `durable mail: ${PAIRS} pairs × ${COUNT} mails; saturation window ${WINDOW}; paced at ${RATE}/s; acks every 50`,
);
const results = [];
for (const store of ["memory", "sqlite"]) {
  log(`  measuring ${store} store...`);
  results.push(await measure(store));
}
const [memory, sqlite] = results;
const ratio = { sqliteToMemoryThroughput: round(sqlite.mailsPerSecond / memory.mailsPerSecond, 2) };
console.log(markdownTable(results));
console.log(`\nSQLite / memory throughput in this run: ${ratio.sqliteToMemoryThroughput}×`);
if (args.json) {
  await writeFile(
    args.json,
    JSON.stringify({ pairs: PAIRS, count: COUNT, window: WINDOW, results, ratio }, null, 2),
  );
}
