#!/usr/bin/env node
// One process against `--workers 2`, both on Redis, in the same run: direct mail (pairs at
// saturation) and room fan-out (one publisher, many members). Figures are only comparable
// within a run; the load generator shares the machine (its CPU is reported).
//
//   npm run bench:workers -- [--pairs 40] [--count 300] [--members 200] [--messages 300] [--json out.json]
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

function waitFor(child, text) {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk) => {
      out += chunk;
      if (out.includes(text)) resolve(out);
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out.slice(-500)}`)));
  });
}

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

function within(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function directMail(url, tag) {
  const { senders, recipients } = await connectPairs(url, tag, PAIRS);
  const started = performance.now();
  await within(
    Promise.all(
      senders.map(
        (sender, i) =>
          new Promise((resolve) => {
            let received = 0;
            recipients[i].on("message", (data) => {
              const frame = JSON.parse(data.toString());
              if (frame.type !== "message") return;
              received++;
              ackEvery(recipients[i], received, COUNT, frame.data.seq);
              if (received === COUNT) resolve();
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
                if (got === MESSAGES) resolve();
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

async function measure(redisUrl, workers) {
  const tag = `w${workers}`;
  const server = await startServer("postoffice", {
    store: "redis",
    config: `redis: { keyPrefix: "${tag}:" }\n`,
    env: { POSTOFFICE_REDIS_URL: redisUrl },
    workers,
  });
  try {
    const cpu0 = await server.cpuSeconds();
    const own0 = process.cpuUsage();
    const mailPerSecond = await directMail(server.url, tag);
    const fanOutPerSecond = await fanOut(server.url, tag);
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
  const results = [];
  for (const workers of [1, 2]) {
    log(`  measuring ${workers} worker(s)...`);
    results.push(await measure(redis.url, workers));
  }
  const [one, two] = results;
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
