// The SQLite store's footprint for the cost curves: bench/mailbox-store-size.mjs run as it is,
// in its own process (it needs --expose-gc, and its heap readings must not include this
// process's), its JSON read back. Its `sizes` are the database as mail is delivered and
// acknowledged (a reading every 20,000 mails), its `heads` the heap of mailbox heads.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const SCRIPT = fileURLToPath(new URL("../mailbox-store-size.mjs", import.meta.url));

/**
 * @typedef {object} SizeReading
 * @property {number} mails delivered and acknowledged so far
 * @property {number} entries in the log
 * @property {number} keptKeys idempotency keys of mail that left the log
 * @property {number} fileMB the database file and its WAL
 * @property {number} usedMB pages in use
 * @property {number} logMB
 * @property {number} keysMB
 * @property {number} bytesPerEntry
 * @property {number} bytesPerKey
 */

/** @typedef {{ mailboxes: number, headBytes: number, heapMB: number }} HeadsReading */

/**
 * @typedef {object} StoreReport
 * @property {number} mails
 * @property {number} pairs
 * @property {number} maxMessages
 * @property {SizeReading[]} sizes
 * @property {HeadsReading[]} heads
 */

/**
 * @param {{ mails: number, mailboxes: number[], timeoutMs: number }} how
 * @returns {Promise<StoreReport>}
 */
export async function storeCurve({ mails, mailboxes, timeoutMs }) {
  const dir = await mkdtemp(join(tmpdir(), "postoffice-cost-curves-"));
  try {
    const out = join(dir, "store.json");
    await promisify(execFile)(
      process.execPath,
      [
        "--expose-gc",
        SCRIPT,
        `--mails=${mails}`,
        `--mailboxes=${mailboxes.join(",")}`,
        `--json=${out}`,
        "--quiet",
      ],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
    );
    return /** @type {StoreReport} */ (JSON.parse(await readFile(out, "utf8")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
