import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NewMail } from "../../src/server/mailbox/message-store.js";
import {
  SqliteMessageStore,
  type SqliteOptions,
} from "../../src/server/mailbox/sqlite-message-store.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "postoffice-sqlite-log-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
/** The fixture's clock: its entries were written at T, T+1, ... */
const T = 1_800_000_000_000;

describe("SqliteMessageStore as an append log", () => {
  const opened: SqliteMessageStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  });
  let now = T;
  const open = (file: string, extra: Partial<SqliteOptions> = {}): SqliteMessageStore => {
    const store = new SqliteMessageStore(
      {
        file,
        synchronous: "full",
        busyTimeoutMs: 50,
        maxMessages: 100,
        overflow: "refuse",
        ttlMs: 7 * DAY,
        idempotencyWindowMs: DAY,
        ...extra,
      },
      () => now,
    );
    opened.push(store);
    return store;
  };
  const fresh = (extra?: Partial<SqliteOptions>) => open(join(dir, `${randomUUID()}.db`), extra);
  const mail = (from: string, to: string, n: number, ref?: string): NewMail => ({
    id: randomUUID(),
    from,
    to,
    ts: now,
    body: { n },
    ...(ref === undefined ? {} : { ref }),
  });
  const seqs = async (store: SqliteMessageStore, user: string) =>
    (await store.readAfter(user, 0, 100)).map((e) => e.seq);

  it("migrates a database written by schema version 1, keeping mail, receipts, positions and idempotency keys", async () => {
    now = T + 1000;
    const file = join(dir, "v1.db");
    const v1 = new BetterSqlite3(file);
    v1.exec(await readFile(new URL("./fixtures/mailboxes-v1.sql", import.meta.url), "utf8"));
    expect(v1.pragma("user_version", { simple: true })).toBe(1);
    v1.close();

    const store = open(file);
    expect(await store.position("bob")).toEqual({ last: 4, acked: 3, read: 2 });
    expect(await store.position("alice")).toEqual({ last: 5, acked: 0, read: 0 });
    expect(await store.position("carol")).toEqual({ last: 1, acked: 0, read: 0 });
    const bob = await store.readAfter("bob", 0, 10);
    expect(bob.map((e) => e.kind === "mail" && [e.seq, e.from, e.to, e.ref, e.body])).toEqual([
      [1, "alice", "bob", "a1", { text: "one" }],
      [2, "alice", "bob", "a2", { text: "two" }],
      [3, "carol", "bob", undefined, { text: "three", n: [1, 2] }],
      [4, "alice", "bob", undefined, { text: "four" }],
    ]);
    const alice = await store.readAfter("alice", 0, 10);
    expect(
      alice.map((e) => (e.kind === "mail" ? e.body : [e.status, e.mailId.slice(-1), e.to])),
    ).toEqual([
      { text: "hé" },
      ["delivered", "1", "bob"],
      ["delivered", "2", "bob"],
      ["read", "1", "bob"],
      ["read", "2", "bob"],
    ]);
    // The key of alice's "a1" (kept in v1's `sent`) still answers a retry with the first acceptance.
    const retry = await store.append({
      id: randomUUID(),
      from: "alice",
      to: "bob",
      ts: now,
      body: { text: "one" },
      ref: "a1",
    });
    expect(retry).toEqual({
      duplicate: true,
      accepted: { id: "00000000-0000-4000-8000-000000000001", to: "bob", seq: 1, ts: T },
    });
    const next = await store.append(mail("alice", "bob", 5));
    expect(next.duplicate ? 0 : next.mail.seq).toBe(5);
    const receipts = await store.ack("bob", 4, "delivered", now);
    expect(receipts.map((r) => [r.owner, r.seq, r.mailId.slice(-1)])).toEqual([["alice", 6, "4"]]);
    await store.close();
    const probe = new BetterSqlite3(file, { readonly: true });
    expect(probe.pragma("user_version", { simple: true })).toBe(2);
    expect(probe.prepare("SELECT name FROM sqlite_master WHERE name = 'entries'").all()).toEqual(
      [],
    );
    probe.close();
  });

  it("keeps the idempotency key of mail evicted from a full mailbox, across a reopen", async () => {
    now = T;
    const file = join(dir, "evicted-key.db");
    const store = open(file, { maxMessages: 2 });
    const first = mail("alice", "bob", 1, "c1");
    const accepted = await store.append(first);
    await store.append(mail("alice", "bob", 2));
    await store.ack("bob", 2, "delivered", now);
    await store.append(mail("alice", "bob", 3)); // evicts 1 and 2
    expect(await seqs(store, "bob")).toEqual([3]);
    const retry = await store.append({ ...first, id: randomUUID() });
    expect(retry).toEqual({
      duplicate: true,
      accepted: { id: first.id, to: "bob", seq: accepted.duplicate ? 0 : 1, ts: first.ts },
    });
    await store.close();
    const reopened = open(file, { maxMessages: 2 });
    expect((await reopened.append({ ...first, id: randomUUID() })).duplicate).toBe(true);
    expect(await seqs(reopened, "bob")).toEqual([3]);
  });

  it("keeps idempotency keys past the TTL of their mail when the window is longer", async () => {
    now = T;
    const store = fresh({ ttlMs: 1000, idempotencyWindowMs: 60_000 });
    const first = mail("alice", "bob", 1, "c1");
    await store.append(first);
    now += 2000;
    expect(await store.expire(now)).toBe(1);
    expect((await store.append({ ...first, id: randomUUID(), ts: now })).duplicate).toBe(true);
    now += 60_000;
    await store.expire(now);
    expect((await store.append({ ...first, id: randomUUID(), ts: now })).duplicate).toBe(false);
  });

  it("never numbers a mailbox from 1 again after all its entries expired, across a reopen", async () => {
    now = T;
    const file = join(dir, "expired-all.db");
    const store = open(file, { ttlMs: 1000 });
    await store.append(mail("alice", "bob", 1));
    await store.append(mail("alice", "bob", 2));
    now += 2000;
    expect(await store.expire(now)).toBe(2);
    await store.close();
    const reopened = open(file, { ttlMs: 1000 });
    expect(await reopened.position("bob")).toEqual({ last: 2, acked: 0, read: 0 });
    const next = await reopened.append(mail("alice", "bob", 3));
    expect(next.duplicate ? 0 : next.mail.seq).toBe(3);
  });

  it("reads mailbox heads back from the log when more mailboxes are in use than it keeps in memory", async () => {
    now = T;
    const store = fresh({ cachedMailboxes: 4, maxMessages: 3 });
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    // Counted now, then kept up to date through heads that come and go.
    expect(await store.waitingMailboxes()).toBe(0);
    for (let round = 1; round <= 3; round++)
      for (const user of users) await store.append(mail("alice", user, round));
    for (const user of users) expect(await seqs(store, user)).toEqual([1, 2, 3]);
    // Counts too: every mailbox is full, and a fourth mail is refused.
    await expect(store.append(mail("alice", "u7", 4))).rejects.toMatchObject({
      code: "mailbox_full",
    });
    await store.ack("u7", 3, "delivered", now);
    expect((await store.readAfter("alice", 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await store.waitingMailboxes()).toBe(20); // 19 recipients, and alice with receipts
  });

  it("reads its heads again when another connection wrote to the database", async () => {
    now = T;
    const file = join(dir, "other-writer.db");
    const store = open(file);
    await store.append(mail("alice", "bob", 1));
    expect(await store.position("bob")).toEqual({ last: 1, acked: 0, read: 0 });
    const other = new BetterSqlite3(file);
    other
      .prepare(
        "INSERT INTO log (user, seq, kind, id, peer, ts, body) VALUES ('bob', 2, 'mail', 'x', 'carol', ?, '{}')",
      )
      .run(now);
    other.close();
    expect(await store.position("bob")).toEqual({ last: 2, acked: 0, read: 0 });
    const next = await store.append(mail("alice", "bob", 3));
    expect(next.duplicate ? 0 : next.mail.seq).toBe(3);
  });

  it("compacts, in the sweep, acknowledged entries beyond maxMessages, receipts included, never unacknowledged ones", async () => {
    now = T;
    const store = fresh({ maxMessages: 3 });
    for (let round = 0; round < 3; round++) {
      for (let n = 1; n <= 3; n++) await store.append(mail("alice", "bob", n));
      await store.ack("bob", 3 * (round + 1), "delivered", now);
    }
    expect(await seqs(store, "alice")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await store.ack("alice", 4, "delivered", now);
    expect(await store.expire(now)).toBe(0);
    expect(await seqs(store, "alice")).toEqual([5, 6, 7, 8, 9]);
    await store.ack("alice", 9, "delivered", now);
    await store.expire(now);
    expect(await seqs(store, "alice")).toEqual([7, 8, 9]);
    expect(await store.position("alice")).toEqual({ last: 9, acked: 9, read: 0 });
  });

  it("syncs the WAL once per group commit with synchronous: full, and reports each commit's writes", async () => {
    now = T;
    const commits: Array<[number, boolean]> = [];
    const store = fresh({ onCommit: (writes, synced) => commits.push([writes, synced]) });
    await Promise.all(Array.from({ length: 100 }, (_, n) => store.append(mail("alice", "bob", n))));
    await store.ack("bob", 100, "delivered", now);
    expect(commits).toEqual([
      [100, true],
      [1, true],
    ]);
    expect(store.walSyncs).toBe(2);
  });

  it("leaves the WAL's sync to checkpoints with synchronous: normal", async () => {
    now = T;
    const commits: Array<[number, boolean]> = [];
    const store = fresh({
      synchronous: "normal",
      onCommit: (writes, synced) => commits.push([writes, synced]),
    });
    await Promise.all([
      store.append(mail("alice", "bob", 1)),
      store.append(mail("alice", "bob", 2)),
    ]);
    expect(commits).toEqual([[2, false]]);
    expect(store.walSyncs).toBe(0);
  });
});
