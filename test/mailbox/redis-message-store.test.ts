import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type NewMail, StoreError } from "../../src/server/mailbox/message-store.js";
import {
  RedisMessageStore,
  type RedisMessageStoreOptions,
} from "../../src/server/mailbox/redis-message-store.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { eventually, until } from "../support/until.js";
import { messageStoreContract } from "./message-store.contract.js";

describeWith("redis-server", "RedisMessageStore with a redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  // A fresh key prefix per store is a clean keyspace on the shared redis-server.
  messageStoreContract(
    "RedisMessageStore",
    async (options, clock) =>
      new RedisMessageStore(
        { connect: redisClients(redis.url).connect, keyPrefix: `t:${randomUUID()}:`, ...options },
        clock,
      ),
  );

  describe("RedisMessageStore on a real redis-server", () => {
    const opened: RedisMessageStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const open = (
      keyPrefix: string,
      extra: Partial<RedisMessageStoreOptions> = {},
    ): RedisMessageStore => {
      const store = new RedisMessageStore({
        connect: redisClients(redis.url).connect,
        keyPrefix,
        maxMessages: 1000,
        overflow: "refuse",
        ttlMs: 60_000,
        idempotencyWindowMs: 60_000,
        ...extra,
      });
      opened.push(store);
      return store;
    };
    const mail = (n: number, extra: Partial<NewMail> = {}): NewMail => ({
      id: randomUUID(),
      from: "alice",
      to: "bob",
      ts: Date.now(),
      body: { n },
      ...extra,
    });
    const seqOf = async (store: RedisMessageStore, m: NewMail): Promise<number> => {
      const result = await store.append(m);
      if (result.duplicate) throw new Error("unexpected duplicate");
      return result.mail.seq;
    };
    /**
     * Alice and carol each send bob `bursts` bursts of 40 mails, their sends made a few at a time
     * (as a session makes them while frames arrive), `between` run before each burst. Resolves
     * with each sender's mail numbers in bob's mailbox, in seq order.
     */
    const pipelinedBursts = async (
      store: RedisMessageStore,
      bursts: number,
      between: () => Promise<void>,
    ): Promise<Record<string, number[]>> => {
      let n = 0;
      for (let burst = 0; burst < bursts; burst++) {
        await between();
        const sends: Promise<unknown>[] = [];
        for (let i = 1; i <= 40; i++) {
          n += 1;
          for (const from of ["alice", "carol"]) sends.push(store.append(mail(n, { from })));
          if (i % (YIELD_EVERY[burst % YIELD_EVERY.length] ?? 1) === 0)
            await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(sends);
      }
      const stored = await store.readAfter("bob", 0, 100_000);
      const order: Record<string, number[]> = { alice: [], carol: [] };
      for (const entry of stored)
        if (entry.kind === "mail") order[entry.from]?.push((entry.body as { n: number }).n);
      return order;
    };
    /** How many pairs of sends go out between two turns of the event loop, burst after burst. */
    const YIELD_EVERY = [1, 2, 3, 5, 8];
    const upTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

    it("stores each sender's pipelined mail in the order sent when Redis forgets its scripts (SCRIPT FLUSH) between bursts", async () => {
      const store = open(`flush:${randomUUID()}:`, { maxMessages: 100_000 });
      const probe = new Redis(redis.url);
      try {
        const order = await pipelinedBursts(store, 30, async () => {
          await probe.script("FLUSH");
        });
        expect(order).toEqual({ alice: upTo(1200), carol: upTo(1200) });
      } finally {
        probe.disconnect();
      }
    });

    it("stores each sender's pipelined mail in the order sent right after Redis restarts", async () => {
      const store = open(`restart:${randomUUID()}:`, { maxMessages: 100_000 });
      await store.position("bob");
      const order = await pipelinedBursts(store, 15, async () => {
        await redis.stop();
        await redis.restart();
        await eventually(() => store.position("bob"));
      });
      expect(order).toEqual({ alice: upTo(600), carol: upTo(600) });
    }, 30_000);

    it("keeps mailboxes, positions and idempotency keys across a SIGKILL and restart of Redis", async () => {
      const prefix = `crash:${randomUUID()}:`;
      const before = open(prefix);
      const first = mail(1, { ref: "c1" });
      await before.append(first);
      await before.append(mail(2));
      await before.ack("bob", 1, "delivered", Date.now());

      await redis.stop("SIGKILL");
      await redis.restart();

      // A node started after the crash sees everything the first one was told was stored.
      const after = open(prefix);
      expect(await after.position("bob")).toEqual({ last: 2, acked: 1, read: 0 });
      expect((await after.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await after.readAfter("alice", 0, 10)).map((e) => e.kind)).toEqual(["receipt"]);
      expect((await after.append(first)).duplicate).toBe(true);
      expect(await seqOf(after, mail(3))).toBe(3);
      // The node that was connected through the crash reconnects by itself.
      expect(await eventually(() => before.position("bob"))).toEqual({
        last: 3,
        acked: 1,
        read: 0,
      });
    });

    it("rejects with StoreError quickly while Redis is down, and works again once it is back", async () => {
      const store = open(`down:${randomUUID()}:`);
      await store.append(mail(1));
      await redis.stop();
      try {
        const started = Date.now();
        await expect(store.append(mail(2))).rejects.toBeInstanceOf(StoreError);
        await expect(store.readAfter("bob", 0, 10)).rejects.toBeInstanceOf(StoreError);
        await expect(store.ack("bob", 1, "read", Date.now())).rejects.toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await redis.restart();
      }
      expect(await eventually(() => seqOf(store, mail(3)))).toBe(2);
      expect((await store.readAfter("bob", 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it("tells its connection's status: ready, lost while Redis is down, ready again after", async () => {
      const seen: boolean[] = [];
      const clients = redisClients(redis.url);
      clients.onChange((ready) => seen.push(ready));
      const store = open(`status:${randomUUID()}:`, { connect: clients.connect });
      await store.append(mail(1));
      expect(seen).toEqual([true]);
      await redis.stop();
      try {
        await until(() => seen.includes(false), "the status to say the connection is lost");
        expect(seen.at(-1)).toBe(false);
      } finally {
        await redis.restart();
      }
      expect(await eventually(() => seqOf(store, mail(2)))).toBe(2);
      expect(seen.at(-1)).toBe(true);
    });

    it("rejects with StoreError after the command timeout when Redis stops answering", async () => {
      const store = open(`slow:${randomUUID()}:`, {
        connect: redisClients(redis.url, { commandTimeoutMs: 200 }).connect,
      });
      await store.append(mail(1));
      const probe = new Redis(redis.url);
      try {
        // Writes (scripts included) wait while the pause lasts: Redis is up but silent.
        await probe.client("PAUSE", 1000, "WRITE");
        const started = Date.now();
        await expect(store.append(mail(2))).rejects.toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(900);
        await probe.client("UNPAUSE");
      } finally {
        probe.disconnect();
      }
      // The timed-out script may still have run once Redis resumed (its sender, told it failed,
      // retries with the same ref); either way the store goes on working.
      expect((await store.append(mail(3))).duplicate).toBe(false);
    });

    it("refuses a send unsent while Redis is paused (SIGSTOP), so that nothing refused is stored later", async () => {
      const clients = redisClients(redis.url, { healthIntervalMs: 100, healthTimeoutMs: 300 });
      const down = new Promise<void>((resolve) => clients.onChange((up) => up || resolve()));
      const store = open(`paused:${randomUUID()}:`, { connect: clients.connect, waitMs: 300 });
      await store.append(mail(1));
      redis.pause();
      try {
        await down;
        await expect(store.append(mail(2))).rejects.toBeInstanceOf(StoreError);
      } finally {
        redis.resume();
      }
      await clients.whenUp();
      expect(await store.position("bob")).toMatchObject({ last: 1 });
      expect(await seqOf(store, mail(3))).toBe(2);
    });

    it("shares mailboxes between two nodes, never assigning a seq twice under concurrent appends", async () => {
      const prefix = `nodes:${randomUUID()}:`;
      const [one, two] = [open(prefix), open(prefix)];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          seqOf(n % 2 === 0 ? one : two, mail(n, { from: n % 2 === 0 ? "alice" : "carol" })),
        ),
      );
      expect([...results].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, n) => n + 1),
      );
      expect((await two.readAfter("bob", 0, 500)).map((e) => e.seq)).toEqual(
        Array.from({ length: 200 }, (_, n) => n + 1),
      );
      // An ack through one node puts receipts where the other node reads them.
      const receipts = await one.ack("bob", 200, "delivered", Date.now());
      expect(receipts).toHaveLength(200);
      expect(await two.position("alice")).toMatchObject({ last: 100 });
      expect(await two.position("carol")).toMatchObject({ last: 100 });
      expect(await two.waitingMailboxes()).toBe(2);
    });

    it("keeps ids, refs and user ids holding newlines, NULs, colons, quotes and emoji intact", async () => {
      const store = open(`chars:${randomUUID()}:`);
      const odd = mail(1, {
        id: 'id "1"\n',
        from: "a:l\u0000i\nce",
        to: "b\u0000ob:1\n",
        ref: 'r:"\n\u0000😀',
        body: { text: "x\ny", list: [], nested: { empty: {} } },
      });
      const stored = await store.append(odd);
      expect(stored).toMatchObject({ duplicate: false, mail: { ...odd, seq: 1 } });
      expect(await store.readAfter(odd.to, 0, 10)).toEqual([{ kind: "mail", ...odd, seq: 1 }]);
      expect((await store.append({ ...odd, id: "other" })).duplicate).toBe(true);
      const now = Date.now();
      const [receipt] = await store.ack(odd.to, 1, "delivered", now);
      expect(receipt).toEqual({
        kind: "receipt",
        owner: odd.from,
        seq: 1,
        status: "delivered",
        mailId: odd.id,
        to: odd.to,
        ts: now,
        ref: odd.ref,
      });
      expect(await store.readAfter(odd.from, 0, 10)).toEqual([receipt]);
      // Both the entries and the idempotency key are found again by the sweeper.
      expect(await store.expire(now + 120_000)).toBe(2);
      expect((await store.append(odd)).duplicate).toBe(false);
    });

    it("expires in bounded batches, and leaves no keys behind for swept entries", async () => {
      const prefix = `sweep:${randomUUID()}:`;
      const store = open(prefix, { expireBatch: 3, ttlMs: 1000, idempotencyWindowMs: 1000 });
      const ts = 1_000_000;
      for (let n = 0; n < 10; n++) await store.append(mail(n, { ts, ref: `c${n}` }));
      expect(await store.expire(ts + 1000)).toBe(10);
      expect(await store.readAfter("bob", 0, 100)).toEqual([]);
      expect(await store.position("bob")).toEqual({ last: 10, acked: 0, read: 0 });
      const probe = new Redis(redis.url);
      try {
        expect(await probe.zcard(`${prefix}entries-by-ts`)).toBe(0);
        expect(await probe.zcard(`${prefix}sent-by-ts`)).toBe(0);
        expect(await probe.exists(`${prefix}mbz:bob`, `${prefix}sent:alice`)).toBe(0);
        expect(await probe.hget(`${prefix}mb:bob`, "mails")).toBe("0");
      } finally {
        probe.disconnect();
      }
    });

    it("rejects with StoreError, keeping nothing, when a script fails", async () => {
      const prefix = `broken:${randomUUID()}:`;
      const probe = new Redis(redis.url);
      try {
        await probe.set(`${prefix}sent:alice`, "not a hash");
        const store = open(prefix);
        await expect(store.append(mail(1, { ref: "c1" }))).rejects.toBeInstanceOf(StoreError);
        expect(await store.position("bob")).toEqual({ last: 0, acked: 0, read: 0 });
        expect(await store.append(mail(2))).toMatchObject({ duplicate: false, mail: { seq: 1 } });
      } finally {
        probe.disconnect();
      }
    });
  });
});
