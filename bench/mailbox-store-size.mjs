#!/usr/bin/env -S node --expose-gc
// The SQLite mailbox store's footprint, in process (no server): the database's size as mail is
// delivered and acknowledged (compaction keeps it bounded), bytes per stored entry, and the
// memory of mailbox heads.
//
//   npm run build && node --expose-gc bench/mailbox-store-size.mjs [--mails 200000] [--pairs 50]
//       [--max-messages 1000] [--mailboxes 100000 | 10000,100000] [--json out.json]
//
// Size: `pairs` senders each send to their own recipient; recipients acknowledge every 50
// mails and senders their receipts every 50, as clients do; the sweep (expire, which also
// compacts) runs every 10,000 mails, as a node runs it every minute. A mailbox keeps at most
// `max-messages` entries of which any is acknowledged, so the log levels off at about
// 2 × pairs × max-messages entries. Every mail here has a `ref`: the key of mail that left the
// log is kept (`sent`) for the idempotency window (24 h), so that part grows with the mail of
// the last 24 h, as every key did before schema version 2. Heads: `mailboxes` mailboxes with
// one waiting mail each, reopened, then every head read into memory (for each count of a
// comma-separated list: `heads` in the JSON). `npm run bench:curves` runs this script for the
// cost curves (bench/cost-curves.mjs).
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteMessageStore } from "../dist/server/mailbox/sqlite-message-store.js";
import { round, scriptOptions } from "./lib.mjs";

const { args, log } = scriptOptions({
  mails: { type: "string", default: "200000" },
  pairs: { type: "string", default: "50" },
  "max-messages": { type: "string", default: "1000" },
  mailboxes: { type: "string", default: "100000" },
});
const MAILS = Number(args.mails);
const PAIRS = Number(args.pairs);
const MAX = Number(args["max-messages"]);
const MAILBOXES = String(args.mailboxes)
  .split(",")
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

const dir = await mkdtemp(join(tmpdir(), "postoffice-store-size-"));
/**
 * @param {string} file
 * @param {Partial<import("../dist/server/mailbox/sqlite-message-store.js").SqliteOptions>} extra
 * @returns {import("../dist/server/mailbox/sqlite-message-store.js").SqliteOptions}
 */
const options = (file, extra = {}) => ({
  file,
  synchronous: "normal", // the size does not depend on it, and the loop is 10× faster
  busyTimeoutMs: 1000,
  maxMessages: MAX,
  overflow: "refuse",
  ttlMs: 7 * 86_400_000,
  idempotencyWindowMs: 86_400_000,
  ...extra,
});
/**
 * The heap that `mailboxes` mailbox heads take once read into memory: each mailbox has one
 * waiting mail, the database is reopened, then every head is read.
 * @param {number} mailboxes
 */
async function headsOf(mailboxes) {
  const headsFile = join(dir, `heads-${mailboxes}.db`);
  const writer = new SqliteMessageStore(options(headsFile, { maxMessages: 10 }));
  for (let i = 0; i < mailboxes; i += 1000)
    await Promise.all(
      Array.from({ length: Math.min(1000, mailboxes - i) }, (_, k) =>
        writer.append({
          id: crypto.randomUUID(),
          from: "sender",
          to: `user-${i + k}`,
          ts: Date.now(),
          body: { k },
        }),
      ),
    );
  await writer.close();
  const reader = new SqliteMessageStore(options(headsFile, { cachedMailboxes: mailboxes }));
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < mailboxes; i++) await reader.position(`user-${i}`);
  globalThis.gc?.();
  const heapBytes = process.memoryUsage().heapUsed - heap0;
  const headBytes = Math.round(heapBytes / mailboxes);
  log(`  heads: ${mailboxes} mailboxes, ${headBytes} B of heap each`);
  await reader.close();
  await rm(headsFile, { force: true });
  return { mailboxes, headBytes, heapMB: round(heapBytes / 1e6, 2) };
}

/** @param {string} file */
const bytesOf = async (file) =>
  (await stat(file)).size + ((await stat(`${file}-wal`).catch(() => undefined))?.size ?? 0);

try {
  // 1. Size as mail is delivered and acknowledged.
  const file = join(dir, "size.db");
  const store = new SqliteMessageStore(options(file));
  const sizes = [];
  let ts = Date.now();
  for (let n = 1; n <= MAILS; n += PAIRS) {
    ts += 1;
    const batch = [];
    for (let p = 0; p < PAIRS; p++)
      batch.push(
        store.append({
          id: crypto.randomUUID(),
          from: `s${p}`,
          to: `r${p}`,
          ts,
          body: { n, text: "x".repeat(32) },
          ref: `c${n}`,
        }),
      );
    const appended = await Promise.all(batch);
    const first = appended[0];
    const seq = first === undefined || first.duplicate ? 0 : first.mail.seq;
    if (seq % 50 === 0) {
      await Promise.all(
        Array.from({ length: PAIRS }, (_, p) => store.ack(`r${p}`, seq, "delivered", ts)),
      );
      const receipts = await store.position("s0");
      await Promise.all(
        Array.from({ length: PAIRS }, (_, p) => store.ack(`s${p}`, receipts.last, "delivered", ts)),
      );
    }
    const done = n + PAIRS - 1;
    if (done % 10_000 < PAIRS) await store.expire(ts);
    if (done % 20_000 < PAIRS) {
      const db = new BetterSqlite3(file, { readonly: true });
      const pages = Number(db.pragma("page_count", { simple: true }));
      const free = Number(db.pragma("freelist_count", { simple: true }));
      const pageSize = Number(db.pragma("page_size", { simple: true }));
      /** @param {string} sql */
      const count = (sql) => /** @type {{ n: number }} */ (db.prepare(sql).get()).n;
      const entries = count("SELECT count(*) AS n FROM log");
      const keys = count("SELECT count(*) AS n FROM sent");
      // Bytes by table and index (SQLite's dbstat): the log with its two indexes, and the keys.
      /** @type {Record<string, number>} */
      const bytes = Object.fromEntries(
        /** @type {{ name: string, b: number }[]} */ (
          db.prepare("SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name").all()
        ).map((r) => [r.name, r.b]),
      );
      const logBytes = (bytes.log ?? 0) + (bytes.log_by_mailbox ?? 0) + (bytes.log_by_key ?? 0);
      const keyBytes = (bytes.sent ?? 0) + (bytes.sent_by_ts ?? 0);
      db.close();
      sizes.push({
        mails: done,
        entries,
        keptKeys: keys,
        fileMB: round((await bytesOf(file)) / 1e6, 2),
        usedMB: round(((pages - free) * pageSize) / 1e6, 2),
        logMB: round(logBytes / 1e6, 2),
        keysMB: round(keyBytes / 1e6, 2),
        bytesPerEntry: Math.round(logBytes / entries),
        bytesPerKey: keys === 0 ? 0 : Math.round(keyBytes / keys),
      });
      log(`  ${JSON.stringify(sizes.at(-1))}`);
    }
  }
  await store.close();

  // 2. Memory of mailbox heads, for each count of mailboxes (a fresh database each).
  const heads = [];
  for (const mailboxes of MAILBOXES) heads.push(await headsOf(mailboxes));
  const largest = heads.at(-1);
  const result = {
    mails: MAILS,
    pairs: PAIRS,
    maxMessages: MAX,
    sizes,
    heads,
    // The largest count's, as before the list.
    mailboxes: largest?.mailboxes,
    headBytes: largest?.headBytes,
  };
  console.log(JSON.stringify(result, null, 2));
  if (args.json)
    await (await import("node:fs/promises")).writeFile(args.json, JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
