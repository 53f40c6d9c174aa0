#!/usr/bin/env node
import { writeFile } from "node:fs/promises";
// Mail from a backend, by each way in: the server HTTP API (keep-alive, `--concurrency`
// requests in flight) beside the WebSocket path (as many sender connections, one mail in
// flight each), each mail delivered to an online user; measured one after the other against
// the same kind of server (the SQLite store as shipped), in one run.
//
//   npm run bench:publish -- [--count 20000] [--concurrency 64] [--users 64] [--paths ws,http]
//                            [--store sqlite|memory] [--amqp-url URL] [--json out.json]
//
// With --amqp-url (a RabbitMQ to use; its queue `bench.mail.<pid>` is declared), the path
// `amqp` is measured too (and is in the default --paths): mail published to the bridge's
// queue with publisher confirms, `--concurrency` unconfirmed at most; a publish counts once
// RabbitMQ confirms it, and the run ends when every mail has reached its recipient.
//
// A publish counts once it is `accepted` (the HTTP 202, or the `accepted` receipt); the run of a
// path ends when every mail has reached its recipient. Recipients acknowledge every 50 mails.
// The figures: publishes per second over the whole run, accepted and delivered latency.
/** @import WebSocket from "ws" */
import { Agent, request } from "node:http";
import amqplib from "amqplib";
import { ackEvery, connect, markdownTable, round, scriptOptions } from "./lib.mjs";
import { startServer } from "./side-by-side/servers.mjs";

const { args, log } = scriptOptions({
  count: { type: "string", default: "20000" },
  concurrency: { type: "string", default: "64" },
  users: { type: "string", default: "64" },
  paths: { type: "string" },
  "amqp-url": { type: "string" },
  store: { type: "string", default: "sqlite" },
});
const COUNT = Number(args.count);
const CONCURRENCY = Number(args.concurrency);
const USERS = Number(args.users);
const TIMEOUT_MS = 120_000;
const API_KEY = "bench-api-key-0123456789abcdef";

const AMQP_URL = args["amqp-url"];
const AMQP_QUEUE = `bench.mail.${process.pid}`;
const PATHS = String(args.paths ?? (AMQP_URL ? "ws,http,amqp" : "ws,http")).split(",");

/** @typedef {"ws" | "http" | "amqp"} PathName */
/** @typedef {(worker: number, to: string, body: object) => Promise<void>} Publish */

/**
 * @param {number[]} sorted
 * @param {number} p
 */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * POST /api/v1/publish on a keep-alive agent; resolves on 202.
 * @param {string} host
 * @returns {{ publish: Publish, close: () => void }}
 */
function httpPath(host) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  /** @type {Publish} */
  const publish = (_worker, to, body) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify({ to, data: body });
      const req = request(
        `http://${host}/api/v1/publish`,
        {
          method: "POST",
          agent,
          headers: {
            authorization: `Bearer ${API_KEY}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () =>
            res.statusCode === 202 ? resolve() : reject(new Error(`${res.statusCode} ${text}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  return { publish, close: () => agent.destroy() };
}

/**
 * One sender connection per worker, one mail in flight each; resolves on `accepted`.
 * @param {string} url
 * @returns {Promise<{ publish: Publish, close: () => void }>}
 */
async function wsPath(url) {
  const senders = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) => connect(url, `sender-${i}`)),
  );
  /** @type {Map<string, { resolve: () => void, reject: (e: Error) => void }>} */
  const waiting = new Map();
  let next = 0;
  for (const ws of senders) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      const entry = waiting.get(frame.ref);
      if (entry === undefined) return;
      waiting.delete(frame.ref);
      if (frame.type === "receipt" && frame.data.status === "accepted") entry.resolve();
      else entry.reject(new Error(JSON.stringify(frame)));
    });
  }
  /** @type {Publish} */
  const publish = (worker, to, body) =>
    new Promise((resolve, reject) => {
      const id = `m${next++}`;
      waiting.set(id, { resolve, reject });
      const ws = /** @type {WebSocket} */ (senders[worker]);
      ws.send(JSON.stringify({ type: "message", id, data: { to, ...body } }));
    });
  const close = () => {
    for (const ws of senders) ws.terminate();
  };
  return { publish, close };
}

/**
 * Mail to the bridge's queue on a confirm channel; resolves on RabbitMQ's confirm.
 * @param {string} url
 * @returns {Promise<{ publish: Publish, close: () => void }>}
 */
async function amqpPath(url) {
  const connection = await amqplib.connect(url);
  const channel = await connection.createConfirmChannel();
  /** @type {Publish} */
  const publish = (_worker, to, body) =>
    new Promise((resolve, reject) => {
      const content = Buffer.from(JSON.stringify({ to, data: body }));
      channel.sendToQueue(AMQP_QUEUE, content, { persistent: true }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  return { publish, close: () => void connection.close() };
}

/**
 * @param {PathName} name
 * @param {{ host: string, url: string }} server
 */
async function measure(name, server) {
  const recipients = await Promise.all(
    Array.from({ length: USERS }, (_, i) => connect(server.url, `${name}-r${i}`)),
  );
  const path =
    name === "http"
      ? httpPath(server.host)
      : name === "amqp"
        ? await amqpPath(String(AMQP_URL))
        : await wsPath(server.url);
  /** @type {number[]} */
  const accepted = [];
  /** @type {number[]} */
  const delivered = [];
  /** @type {() => void} */
  let allDelivered = () => {};
  const done = new Promise((resolve, reject) => {
    allDelivered = () => resolve(undefined);
    setTimeout(() => reject(new Error(`${name}: not every mail arrived`)), TIMEOUT_MS).unref();
  });
  const perUser = new Array(USERS).fill(0);
  const expected = (/** @type {number} */ i) =>
    Math.floor(COUNT / USERS) + (i < COUNT % USERS ? 1 : 0);
  for (const [i, ws] of recipients.entries()) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== "message") return;
      delivered.push(performance.now() - frame.data.body.t);
      perUser[i]++;
      ackEvery(ws, perUser[i], expected(i), frame.data.seq);
      if (delivered.length === COUNT) allDelivered();
    });
  }
  let next = 0;
  const started = performance.now();
  const worker = async (/** @type {number} */ w) => {
    while (next < COUNT) {
      const n = next++;
      const t = performance.now();
      await path.publish(w, `${name}-r${n % USERS}`, { n, t });
      accepted.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  await done;
  const seconds = (performance.now() - started) / 1000;
  path.close();
  for (const ws of recipients) ws.terminate();
  accepted.sort((a, b) => a - b);
  delivered.sort((a, b) => a - b);
  return {
    path: { http: "HTTP API", amqp: "AMQP bridge", ws: "WebSocket" }[name],
    publishes: COUNT,
    publishesPerSecond: Math.round(COUNT / seconds),
    acceptedP50Ms: round(percentile(accepted, 50), 2),
    acceptedP99Ms: round(percentile(accepted, 99), 2),
    deliveredP50Ms: round(percentile(delivered, 50), 2),
    deliveredP99Ms: round(percentile(delivered, 99), 2),
  };
}

/**
 * Waits (bounded) until the node's bridge is connected, as /ready says.
 * @param {string} host
 */
async function bridgeUp(host) {
  for (let i = 0; i < 300; i++) {
    const ready = /** @type {{ amqp?: string }} */ (
      await (await fetch(`http://${host}/ready`)).json()
    );
    if (ready.amqp === "up") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the AMQP bridge did not come up");
}

const store = args.store === "memory" ? "memory" : "sqlite";
log(
  `publish paths: ${COUNT} mails to ${USERS} online users, ${CONCURRENCY} in flight, ${store} store`,
);
const results = [];
for (const name of PATHS) {
  if (name !== "ws" && name !== "http" && name !== "amqp")
    throw new Error(`--paths: unknown "${name}" (ws, http, amqp)`);
  if (name === "amqp" && AMQP_URL === undefined) throw new Error("--paths amqp needs --amqp-url");
  const amqp = name === "amqp" ? `amqp:\n  url: "${AMQP_URL}"\n  mailQueue: ${AMQP_QUEUE}\n` : "";
  // A fresh server per path, so that one's mailboxes do not weigh on the other's.
  const server = await startServer("postoffice", {
    store,
    config: `api:\n  keys:\n    - { key: ${API_KEY}, name: bench, scopes: [publish] }\n  rate: { perSecond: 0 }\n${amqp}`,
    env: { POSTOFFICE_MAILBOX_MAX_MESSAGES: String(COUNT + 10) },
  });
  try {
    log(`  measuring ${name}...`);
    if (name === "amqp") await bridgeUp(server.host);
    results.push(await measure(name, { host: server.host, url: String(server.url) }));
  } finally {
    await server.stop();
  }
}
console.log(markdownTable(results));
if (args.json) {
  await writeFile(
    args.json,
    JSON.stringify(
      { count: COUNT, concurrency: CONCURRENCY, users: USERS, store, results },
      null,
      2,
    ),
  );
}
