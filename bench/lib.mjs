// What the benchmarks share: ports, tokens, connections, CPU and file-descriptor readings and
// the report table.
/** @import { ParseArgsConfig } from "node:util" */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";

export const SECRET = "benchmark-secret-of-enough-length-for-hs256";
export const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

/** Rate limits and senders' quotas off: the benchmarks measure throughput, not the limiters. */
export const NO_RATE_LIMITS =
  "limits:\n  maxSessionsPerUser: 0\n  rate:\n    connection: { perSecond: 0 }\n    user: { perSecond: 0 }\n    message: { perSecond: 0 }\n  sender: { maxBytes: 0, maxNewMailboxes: 0 }\n";

/** A TCP port free on 127.0.0.1 now (for a child process that cannot listen on port 0). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/**
 * CPU seconds (user + system) of a process and its live children (workers), from /proc.
 * @param {number} pid
 */
export async function cpuSeconds(pid) {
  /** @param {number} id */
  const own = async (id) => {
    const fields = ((await readFile(`/proc/${id}/stat`, "utf8")).split(") ")[1] ?? "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const children = (
    await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "")
  ).trim();
  let total = await own(pid);
  for (const id of children === "" ? [] : children.split(/\s+/).map(Number)) {
    total += await own(id).catch(() => 0);
  }
  return total;
}

/**
 * Resident set size of a process, in bytes (VmRSS in /proc/PID/status).
 * @param {number} pid
 */
export async function rssBytes(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * The value of an unlabelled metric in a Prometheus text exposition (NaN if absent).
 * @param {string | undefined} text
 * @param {string} name
 */
export function metricValue(text, name) {
  return Number(new RegExp(`^${name}\\s+(\\S+)`, "m").exec(text ?? "")?.[1] ?? Number.NaN);
}

/**
 * The limit of open files of a process (`ulimit -n`: soft, `ulimit -Hn`: hard), from
 * /proc/PID/limits; Infinity for "unlimited", undefined where /proc has no such file.
 * @param {number | "self"} pid
 * @returns {{ soft: number, hard: number } | undefined}
 */
export function fdLimits(pid = "self") {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/limits`, "utf8");
  } catch {
    return undefined;
  }
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (line === null) return undefined;
  /** @param {string | undefined} v */
  const value = (v) => (v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: value(line[1]), hard: value(line[2]) };
}

/** @param {string} text */
const b64url = (text) => Buffer.from(text).toString("base64url");

/**
 * An HS256 JWT for `sub`, valid one hour (signed here, without a library, to keep it cheap).
 * @param {string} secret
 * @param {string} sub
 */
export function signToken(secret, sub) {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify({ sub, iat: now, exp: now + 3600 }))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/**
 * An authenticated WebSocket (token in the subprotocol), resolved after `welcome`.
 * @param {string} url
 * @param {string} user
 */
export async function connect(url, user) {
  const ws = new WebSocket(url, ["postoffice.v1", `bearer.${signToken(SECRET, user)}`]);
  await new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", function onWelcome(data) {
      if (JSON.parse(data.toString()).type === "welcome") {
        ws.off("message", onWelcome);
        resolve(undefined);
      }
    });
  });
  return ws;
}

/**
 * Each user in `count` pairs (`TAG-sI` sends to `TAG-rI`), connected one after the other.
 * @param {string} url
 * @param {string} tag
 * @param {number} count
 */
export async function connectPairs(url, tag, count) {
  const senders = [];
  const recipients = [];
  for (let i = 0; i < count; i++) {
    senders.push(await connect(url, `${tag}-s${i}`));
    recipients.push(await connect(url, `${tag}-r${i}`));
  }
  return { senders, recipients };
}

/** How often a recipient acknowledges, in mails received, as a client batching its acks. */
export const ACK_EVERY = 50;

/**
 * Acknowledges mail `seq`, the `received`-th of `total`, if it is time to (and at the last).
 * @param {WebSocket} ws
 * @param {number} received
 * @param {number} total
 * @param {number} seq
 */
export function ackEvery(ws, received, total, seq) {
  if (received % ACK_EVERY === 0 || received === total)
    ws.send(JSON.stringify({ type: "ack", data: { seq } }));
}

/**
 * A benchmark script's options (parseArgs), with the two that all take: --json FILE and
 * --quiet; `log` writes progress to stderr unless --quiet.
 * @template {NonNullable<ParseArgsConfig["options"]>} O the script's own options, all strings
 * @param {O} options
 */
export function scriptOptions(options) {
  const { values } = parseArgs({
    options: { ...options, json: { type: "string" }, quiet: { type: "boolean", default: false } },
  });
  // parseArgs cannot infer the values of options spread from a type parameter.
  const args =
    /** @type {Record<keyof O, string | undefined> & { json?: string, quiet: boolean }} */ (
      /** @type {unknown} */ (values)
    );
  /** @param {unknown[]} parts */
  const log = (...parts) => {
    if (!args.quiet) console.error(...parts);
  };
  return { args, log };
}

/**
 * @param {number} value
 * @param {number} digits
 */
export function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * A Markdown table of result rows (one column per key of the first row).
 * @param {Array<Record<string, unknown>>} rows
 */
export function markdownTable(rows) {
  const columns = Object.keys(rows[0] ?? {});
  return [
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((c) => row[c]).join(" | ")} |`),
  ].join("\n");
}

/**
 * The end of an exhaustive `switch` over a closed set: type-checked to be unreachable.
 * @param {never} value
 * @returns {never}
 */
export function unreachable(value) {
  throw new Error(`unexpected ${String(value)}`);
}
