// Catch-up: a user comes back to N waiting mails. A real Postoffice process (the SQLite store,
// `synchronous: full`, as shipped), filled through its WebSocket gateway by one sender that
// keeps a window of mails waiting for `accepted`; then the recipient connects with the SDK
// itself (PostofficeClient over `ws`), which acknowledges each mail once its listener has
// run, as every application's client does. Measured from the first byte of the connection to
// the last mail handed to the application (mails/s), and on to `flush()`: the server has
// handled every acknowledgement, so the senders' receipts are stored.
import WebSocket from "ws";
import { PostofficeClient } from "../../dist/client/index.js";
import { connect, round, SECRET, signToken } from "../lib.mjs";
import { startServer } from "../side-by-side/servers.mjs";

/** Mails the sender keeps waiting for `accepted` while it fills the mailbox. */
const FILL_WINDOW = 64;

/**
 * @typedef {object} CatchUpPoint
 * @property {number} mails waiting when the user connected
 * @property {number} fillMailsPerSecond how fast the sender filled the mailbox (accepted)
 * @property {number} welcomeMs connect() resolved: authenticated, the replay under way
 * @property {number} firstMailMs
 * @property {number} lastMailMs
 * @property {number} mailsPerSecond mails ÷ the time to the last mail
 * @property {number} flushedMs every acknowledgement handled by the server
 * @property {number | null} serverCpuSeconds from connect to flushed
 * @property {number} clientCpuSeconds this process (the SDK client), from connect to flushed
 */

/**
 * Fills `to`'s mailbox with `count` mails from one sender connection.
 * @param {string} url
 * @param {string} from
 * @param {string} to
 * @param {number} count
 * @param {number} timeoutMs
 */
async function fill(url, from, to, count, timeoutMs) {
  const sender = await connect(url, from);
  try {
    await new Promise((resolve, reject) => {
      let sent = 0;
      let accepted = 0;
      const timer = setTimeout(
        () => reject(new Error(`fill: ${accepted} of ${count} accepted in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const more = () => {
        while (sent < count && sent - accepted < FILL_WINDOW) {
          sender.send(JSON.stringify({ type: "message", id: `m${sent}`, data: { to, n: sent } }));
          sent++;
        }
      };
      sender.on("message", (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === "error") {
          clearTimeout(timer);
          reject(new Error(`fill: ${JSON.stringify(frame)}`));
        }
        if (frame.type !== "receipt" || frame.data.status !== "accepted") return;
        accepted++;
        if (accepted === count) {
          clearTimeout(timer);
          resolve(undefined);
        } else more();
      });
      more();
    });
  } finally {
    sender.terminate();
  }
}

/**
 * @param {{ counts: number[], timeoutMs: number, log: (...parts: unknown[]) => void }} how
 * @returns {Promise<CatchUpPoint[]>}
 */
export async function catchUpCurve({ counts, timeoutMs, log }) {
  const largest = Math.max(...counts);
  const server = await startServer("postoffice", {
    store: "sqlite",
    // Room for the largest backlog: a mailbox holds 10,000 mails by default.
    env: { POSTOFFICE_MAILBOX_MAX_MESSAGES: String(largest + 1000) },
  });
  const url = server.url;
  if (url === undefined) throw new Error("catch-up: Postoffice has no URL");
  try {
    /** @type {CatchUpPoint[]} */
    const points = [];
    for (const [i, count] of counts.entries()) {
      const user = `catch-up-${i}`;
      log(`    catch-up: filling ${count.toLocaleString("en-US")} mails`);
      const f0 = performance.now();
      await fill(url, `sender-${i}`, user, count, timeoutMs);
      const fillMailsPerSecond = Math.round(count / ((performance.now() - f0) / 1000));

      log(`    catch-up: connecting to ${count.toLocaleString("en-US")} waiting mails`);
      const client = new PostofficeClient({
        url,
        token: signToken(SECRET, user),
        WebSocket: /** @type {never} */ (WebSocket),
      });
      let received = 0;
      let firstMailMs = Number.NaN;
      let lastMailMs = Number.NaN;
      /** @type {() => void} */
      let done = () => {};
      const all = new Promise((resolve) => {
        done = () => resolve(undefined);
      });
      const cpu0 = process.cpuUsage();
      const server0 = await server.cpuSeconds();
      const t0 = performance.now();
      client.on("mail", () => {
        received++;
        if (received === 1) firstMailMs = performance.now() - t0;
        if (received === count) {
          lastMailMs = performance.now() - t0;
          done();
        }
      });
      try {
        await client.connect();
        const welcomeMs = performance.now() - t0;
        /** @type {NodeJS.Timeout | undefined} */
        let timer;
        await Promise.race([
          all,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`catch-up: ${received} of ${count} in ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        clearTimeout(timer);
        await client.flush();
        const flushedMs = performance.now() - t0;
        const server1 = await server.cpuSeconds();
        const cpu = process.cpuUsage(cpu0);
        const serverCpu = server1 - server0;
        points.push({
          mails: count,
          fillMailsPerSecond,
          welcomeMs: round(welcomeMs, 1),
          firstMailMs: round(firstMailMs, 1),
          lastMailMs: round(lastMailMs, 1),
          mailsPerSecond: Math.round(count / (lastMailMs / 1000)),
          flushedMs: round(flushedMs, 1),
          serverCpuSeconds: Number.isFinite(serverCpu) ? round(serverCpu, 2) : null,
          clientCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
        });
        log(`    catch-up: ${JSON.stringify(points.at(-1))}`);
      } finally {
        client.close();
      }
    }
    return points;
  } finally {
    await server.stop();
  }
}
