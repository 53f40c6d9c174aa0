#!/usr/bin/env node
// One process against `--workers 2`, both on Redis, in the same run: direct mail (pairs at
// saturation) and room fan-out (one publisher, many members). Figures are only comparable
// within a run; the load generator shares the machine (its CPU is reported).
//
//   npm run bench:workers -- [--pairs 40] [--count 300] [--members 200] [--messages 300] [--json out.json]
/** @import { ChildProcessByStdio } from "node:child_process" */
/** @import { Readable } from "node:stream" */
/** @import WebSocket from "ws" */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ackEvery,
  connect,
  connectPairs,
  freePort,
  markdownTable,
  round,
  scriptOptions,
} from "./lib.mjs";
import { startServer } from "./side-by-side/servers.mjs";

const { args, log } = scriptOptions({
  pairs: { type: "string", default: "40" },
  count: { type: "string", default: "300" },
  members: { type: "string", default: "200" },
  messages: { type: "string", default: "300" },
});
const PAIRS = Number(args.pairs);
const COUNT = Number(args.count);
const MEMBERS = Number(args.members);
const MESSAGES = Number(args.messages);
const TIMEOUT_MS = 90_000;

/**
 * @param {ChildProcessByStdio<null, Readable, null>} child
 * @param {string} text
 */
function waitFor(child, text) {
  return new Promise((resolve, reject) => {
    let out = "";
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      out += chunk;
      if (out.includes(text)) resolve(out);
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out.slice(-500)}`)));
  });
}

/** @param {string} dir */
async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await waitFor(child, "Ready to accept connections");
  return { child, url: `redis://127.0.0.1:${port}` };
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {string} what
 * @returns {Promise<T>}
 */
function within(promise, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * @param {string} url
 * @param {string} tag
 */
async function directMail(url, tag) {
  const { senders, recipients } = await connectPairs(url, tag, PAIRS);
  const started = performance.now();
  await within(
    Promise.all(
      senders.map(
        (sender, i) =>
          new Promise((resolve) => {
            const recipient = /** @type {WebSocket} */ (recipients[i]);
            let received = 0;
            recipient.on("message", (data) => {
              const frame = JSON.parse(data.toString());
              if (frame.type !== "message") return;
              received++;
              ackEvery(recipient, received, COUNT, frame.data.seq);
              if (received === COUNT) resolve(undefined);
            });
            for (let n = 0; n < COUNT; n++)
              sender.send(
                JSON.stringify({ type: "message", id: `m${n}`, data: { to: `${tag}-r${i}`, n } }),
              );
          }),
      ),
    ),
    "direct mail",
  );
  const seconds = (performance.now() - started) / 1000;
  for (const ws of [...senders, ...recipients]) ws.terminate();
  return Math.round((PAIRS * COUNT) / seconds);
}

/**
 * @param {string} url
 * @param {string} tag
 */
async function fanOut(url, tag) {
  const members = [];
  for (let i = 0; i < MEMBERS; i++) {
    const ws = await connect(url, `${tag}-m${i}`);
    ws.send(JSON.stringify({ type: "join", id: "j", data: { room: `${tag}-room` } }));
    members.push(ws);
  }
  const publisher = await connect(url, `${tag}-pub`);
  publisher.send(JSON.stringify({ type: "join", id: "j", data: { room: `${tag}-room` } }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = performance.now();
  await within(
    Promise.all(
      members
        .map(
          (ws) =>
            new Promise((resolve) => {
              let got = 0;
              ws.on("message", (data) => {
                if (!data.toString().startsWith('{"type":"message"')) return;
                got++;
                if (got === MESSAGES) resolve(undefined);
              });
            }),
        )
        .concat([
          (async () => {
            for (let n = 0; n < MESSAGES; n++)
              publisher.send(JSON.stringify({ type: "message", data: { room: `${tag}-room`, n } }));
          })(),
        ]),
    ),
    "fan-out",
  );
  const seconds = (performance.now() - started) / 1000;
  for (const ws of [...members, publisher]) ws.terminate();
  return Math.round((MEMBERS * MESSAGES) / seconds);
}

/**
 * @param {string} redisUrl
 * @param {number} workers
 */
async function measure(redisUrl, workers) {
  const tag = `w${workers}`;
  const server = await startServer("postoffice", {
    store: "redis",
    config: `redis: { keyPrefix: "${tag}:" }\n`,
    env: { POSTOFFICE_REDIS_URL: redisUrl },
    workers,
  });
  try {
    const url = server.url;
    if (url === undefined) throw new Error("no WebSocket URL");
    const cpu0 = await server.cpuSeconds();
    const own0 = process.cpuUsage();
    const mailPerSecond = await directMail(url, tag);
    const fanOutPerSecond = await fanOut(url, tag);
    const own = process.cpuUsage(own0);
    return {
      workers,
      mailPerSecond,
      fanOutDeliveriesPerSecond: fanOutPerSecond,
      serverCpuSeconds: round((await server.cpuSeconds()) - cpu0, 2),
      generatorCpuSeconds: round((own.user + own.system) / 1e6, 2),
    };
  } finally {
    await server.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), "postoffice-bench-workers-"));
const redis = await startRedis(dir);
try {
  log(
    `workers: ${PAIRS} pairs × ${COUNT} mails; ${MEMBERS} members × ${MESSAGES} room messages; Redis store (appendfsync everysec)`,
  );
  log("  measuring 1 worker(s)...");
  const one = await measure(redis.url, 1);
  log("  measuring 2 worker(s)...");
  const two = await measure(redis.url, 2);
  const results = [one, two];
  const ratio = {
    mail: round(two.mailPerSecond / one.mailPerSecond, 2),
    fanOut: round(two.fanOutDeliveriesPerSecond / one.fanOutDeliveriesPerSecond, 2),
  };
  console.log(markdownTable(results));
  console.log(
    `\n--workers 2 / 1 process in this run: direct mail ${ratio.mail}×, fan-out ${ratio.fanOut}×`,
  );
  if (args.json)
    await writeFile(
      args.json,
      JSON.stringify(
        { pairs: PAIRS, count: COUNT, members: MEMBERS, messages: MESSAGES, results, ratio },
        null,
        2,
      ),
    );
} finally {
  redis.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
}
