import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { StoreError } from "../../src/server/mailbox/message-store.js";
import {
  SqliteMessageStore,
  type SqliteOptions,
} from "../../src/server/mailbox/sqlite-message-store.js";
import { messageStoreContract } from "./message-store.contract.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "postoffice-sqlite-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileOptions = (file: string, extra: Partial<SqliteOptions> = {}): SqliteOptions => ({
  file,
  synchronous: "full",
  busyTimeoutMs: 50,
  maxMessages: 100,
  overflow: "refuse",
  ttlMs: 60_000,
  idempotencyWindowMs: 60_000,
  ...extra,
});

messageStoreContract(
  "SqliteMessageStore",
  async (options, clock) =>
    new SqliteMessageStore({ ...fileOptions(join(dir, `${randomUUID()}.db`)), ...options }, clock),
);

describe("SqliteMessageStore on disk", () => {
  const opened: SqliteMessageStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  });
  const open = (file: string, extra?: Partial<SqliteOptions>): SqliteMessageStore => {
    const store = new SqliteMessageStore(fileOptions(file, extra));
    opened.push(store);
    return store;
  };
  const mail = (n: number, ref?: string) => ({
    id: randomUUID(),
    from: "alice",
    to: "bob",
    ts: Date.now(),
    body: { n },
    ...(ref === undefined ? {} : { ref }),
  });

  it("keeps mailboxes, positions and idempotency keys across a reopen, and continues the sequence", async () => {
    const file = join(dir, "reopen.db");
    const first = open(file);
    await first.append(mail(1, "c1"));
    await first.append(mail(2));
    await first.ack("bob", 1, "delivered", Date.now());
    await first.close();

    const second = open(file);
    expect(await second.position("bob")).toEqual({ last: 2, acked: 1, read: 0 });
    expect((await second.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    expect((await second.append(mail(1, "c1"))).duplicate).toBe(true);
    const next = await second.append(mail(3));
    expect(next.duplicate ? 0 : next.mail.seq).toBe(3);
    expect((await second.readAfter("alice", 0, 10)).map((e) => e.kind)).toEqual(["receipt"]);
  });

  it("uses WAL journaling and the configured synchronous level", async () => {
    const file = join(dir, "pragmas.db");
    open(file, { synchronous: "normal" });
    const probe = new BetterSqlite3(file, { readonly: true });
    expect(probe.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(probe.pragma("user_version", { simple: true })).toBe(2);
    probe.close();
  });

  it("rejects with StoreError and keeps nothing when the database is locked by another writer", async () => {
    const file = join(dir, "locked.db");
    const store = open(file);
    await store.append(mail(1));
    const other = new BetterSqlite3(file, { timeout: 10 });
    other.exec("BEGIN EXCLUSIVE");
    try {
      await expect(store.append(mail(2))).rejects.toBeInstanceOf(StoreError);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await store.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1]);
    const after = await store.append(mail(3));
    expect(after.duplicate ? 0 : after.mail.seq).toBe(2);
  });

  it("says store_unavailable for a write that failed before its commit, stops accepting, and probes until a write is kept again", async () => {
    const file = join(dir, "probed.db");
    const states: string[] = [];
    const store = open(file, {
      probeIntervalMs: 20,
      onWriteState: (state) => void states.push(state),
    });
    await store.append(mail(1));
    const other = new BetterSqlite3(file, { timeout: 10 });
    other.exec("BEGIN EXCLUSIVE");
    try {
      const failure = await store.append(mail(2)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as StoreError).code).toBe("store_unavailable");
      expect(store.accepting).toBe(false);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    // Nobody writes: the probe finds out.
    await vi.waitFor(() => expect(store.accepting).toBe(true), { timeout: 2000 });
    expect(states).toEqual(["failing", "accepting"]);
    expect((await store.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1]);
  });

  it("commits all appends made in one event-loop turn as one transaction (group commit)", async () => {
    // Each commit appends its pages and a commit frame to the WAL, so the WAL's frame count
    // tells how many commits there were.
    const walFrames = (file: string): number => {
      const probe = new BetterSqlite3(file);
      const [row] = probe.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>;
      probe.close();
      return row?.log ?? -1;
    };
    const grouped = join(dir, "grouped.db");
    const groupedStore = open(grouped);
    await Promise.all(Array.from({ length: 100 }, (_, n) => groupedStore.append(mail(n))));
    const oneTurn = walFrames(grouped);

    const separate = join(dir, "separate.db");
    const separateStore = open(separate);
    for (let n = 0; n < 100; n++) await separateStore.append(mail(n));
    const manyTurns = walFrames(separate);

    if (process.env.POSTOFFICE_TEST_LOG) console.log({ oneTurn, manyTurns });
    expect(manyTurns).toBeGreaterThanOrEqual(100);
    expect(oneTurn).toBeLessThan(20);
  });

  it("fails a refused append alone in its batch, and keeps the acknowledged mail it did not evict", async () => {
    const store = open(join(dir, "refusal.db"), { maxMessages: 3 });
    for (let n = 1; n <= 3; n++) await store.append(mail(n));
    const [before, refused, other] = await Promise.allSettled([
      store.append({ ...mail(4), to: "carol" }),
      store.append(mail(5)), // bob's mailbox is full of unacknowledged mail
      store.append({ ...mail(6), to: "carol" }),
    ]);
    expect(before.status).toBe("fulfilled");
    expect(refused.status === "rejected" && refused.reason.name).toBe("MailboxFullError");
    expect(other.status).toBe("fulfilled");
    expect((await store.readAfter("carol", 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await store.position("bob")).toEqual({ last: 3, acked: 0, read: 0 });
    expect((await store.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("fails the whole batch, keeping nothing of it, when a write fails halfway", async () => {
    const file = join(dir, "halfway.db");
    const store = open(file);
    await store.append(mail(1));
    // A trigger makes the entry insert fail after the mailbox's sequence was taken.
    const db = new BetterSqlite3(file);
    db.exec(
      "CREATE TRIGGER fail_n2 BEFORE INSERT ON log WHEN NEW.body = '{\"n\":2}' BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
    db.close();
    const results = await Promise.allSettled([store.append(mail(3)), store.append(mail(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(results[0]?.status === "rejected" && results[0].reason).toBeInstanceOf(StoreError);
    expect(await store.position("bob")).toEqual({ last: 1, acked: 0, read: 0 });
    expect((await store.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1]);
  });

  it("refuses to open a file that is not a database, with StoreError", async () => {
    const file = join(dir, "garbage.db");
    await import("node:fs/promises").then((fs) =>
      fs.writeFile(file, "this is not a database, just text ".repeat(200)),
    );
    expect(() => open(file)).toThrow(StoreError);
  });
});
