import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { metricValue } from "../support/metrics.js";
import { type Frame, signToken, TestClient } from "../support/test-client.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

describe("mailboxes", () => {
  const ts = useTestServer();
  const { start, track } = ts;
  const connect = async (user: string, since?: number): Promise<TestClient> => {
    const token = await signToken({ sub: user });
    const client = track(new TestClient(ts.server.url));
    await client.opened;
    client.send({ type: "auth", data: { token, ...(since === undefined ? {} : { since }) } });
    await client.nextOfType("welcome");
    return client;
  };
  const mails = (client: TestClient): Frame[] => client.frames.filter((f) => f.type === "message");
  const bodies = (client: TestClient): unknown[] => mails(client).map((f) => f.data?.body);
  /** A round trip: every frame sent before it has been handled when its pong arrives. */
  const sync = async (client: TestClient): Promise<void> => {
    const id = `sync-${Math.random()}`;
    client.send({ type: "ping", id });
    await client.next((f) => f.type === "pong" && f.ref === id);
  };
  const sendAll = async (from: TestClient, to: string, count: number, first = 1): Promise<void> => {
    for (let n = first; n < first + count; n++)
      from.send({ type: "message", id: `c${n}`, data: { to, n } });
    await from.next((f) => f.type === "receipt" && f.ref === `c${first + count - 1}`, 10_000);
  };

  it("keeps mail for an offline user and delivers it in order, with its sequence, when they connect", async () => {
    await start();
    const alice = await connect("alice");
    await sendAll(alice, "bob", 3);
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 3);
    expect(mails(bob).map((f) => f.data?.seq)).toEqual([1, 2, 3]);
    expect(bodies(bob)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("delivers unacknowledged mail again on the next connection with the same id, and acknowledged mail never again", async () => {
    await start();
    const alice = await connect("alice");
    await sendAll(alice, "bob", 3);
    const first = await connect("bob");
    await first.next((f) => f.type === "message" && f.data?.seq === 3);
    first.send({ type: "ack", data: { seq: 2 } });
    await sync(first);
    await first.close();

    const second = await connect("bob");
    const again = await second.nextOfType("message");
    expect(again.data).toMatchObject({ seq: 3, body: { n: 3 } });
    expect(again.data?.id).toBe(mails(first)[2]?.data?.id);
    second.send({ type: "ack", data: { seq: 3 } });
    await sync(second);
    await second.close();

    const third = await connect("bob");
    await sync(third);
    expect(mails(third)).toEqual([]);
  });

  it("switches from stored mail to live mail without a gap or a duplicate", async () => {
    await start();
    const alice = await connect("alice");
    await sendAll(alice, "bob", 300);
    const bobPromise = connect("bob");
    for (let n = 301; n <= 600; n++) alice.send({ type: "message", data: { to: "bob", n } });
    const bob = await bobPromise;
    await bob.next((f) => f.type === "message" && f.data?.seq === 600, 10_000);
    expect(bodies(bob)).toEqual(Array.from({ length: 600 }, (_, i) => ({ n: i + 1 })));
  });

  it("tells the sender `delivered` when the recipient acknowledges, and `read` when they mark it read", async () => {
    await start();
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send({ type: "message", id: "c1", data: { to: "bob", text: "hi" } });
    const accepted = await alice.nextOfType("receipt");
    const mail = await bob.nextOfType("message");
    bob.send({ type: "ack", data: { seq: mail.data?.seq } });
    const delivered = await alice.nextOfType("receipt");
    expect(delivered).toMatchObject({
      ref: "c1",
      data: { status: "delivered", id: accepted.data?.id, to: "bob", seq: 1 },
    });
    bob.send({ type: "read", data: { seq: mail.data?.seq } });
    const read = await alice.nextOfType("receipt");
    expect(read).toMatchObject({
      ref: "c1",
      data: { status: "read", id: accepted.data?.id, to: "bob", seq: 2 },
    });
  });

  it("never reports delivery of mail that no device acknowledged", async () => {
    await start();
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send({ type: "message", id: "c1", data: { to: "bob", text: "hi" } });
    await bob.nextOfType("message");
    await sync(bob);
    await sync(alice);
    expect(alice.frames.filter((f) => f.type === "receipt").map((f) => f.data?.status)).toEqual([
      "accepted",
    ]);
  });

  it("keeps receipts for a sender who went offline and gives them when she connects", async () => {
    await start();
    const alice = await connect("alice");
    alice.send({ type: "message", id: "c1", data: { to: "bob", text: "hi" } });
    await alice.nextOfType("receipt");
    await alice.close();
    const bob = await connect("bob");
    const mail = await bob.nextOfType("message");
    bob.send({ type: "read", data: { seq: mail.data?.seq } });
    await sync(bob);
    const back = await connect("alice");
    await back.next((f) => f.type === "receipt" && f.data?.status === "read");
    expect(
      back.frames.filter((f) => f.type === "receipt").map((f) => [f.ref, f.data?.status]),
    ).toEqual([
      ["c1", "delivered"],
      ["c1", "read"],
    ]);
  });

  it("stores a send retried with the same id once and answers the retry with the same receipt", async () => {
    const server = await start();
    const alice = await connect("alice");
    alice.send({ type: "message", id: "retry-me", data: { to: "bob", text: "once" } });
    const first = await alice.nextOfType("receipt");
    await alice.close();
    const again = await connect("alice");
    again.send({ type: "message", id: "retry-me", data: { to: "bob", text: "once" } });
    const second = await again.nextOfType("receipt");
    expect(second).toEqual(first);
    const bob = await connect("bob");
    await sync(bob);
    expect(bodies(bob)).toEqual([{ text: "once" }]);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^postoffice_duplicate_sends_total 1$/m);
  });

  it("resumes each device from its own `since`, in the auth frame or the query string", async () => {
    const server = await start();
    const alice = await connect("alice");
    await sendAll(alice, "bob", 5);
    const phone = await connect("bob", 2);
    await phone.next((f) => f.type === "message" && f.data?.seq === 5);
    expect(mails(phone).map((f) => f.data?.seq)).toEqual([3, 4, 5]);
    phone.send({ type: "ack", data: { seq: 5 } });
    await sync(phone);

    const laptop = new TestClient(`${server.url}?token=${await signToken({ sub: "bob" })}&since=4`);
    track(laptop);
    await laptop.next((f) => f.type === "message" && f.data?.seq === 5);
    expect(mails(laptop).map((f) => f.data?.seq)).toEqual([5]);

    const fresh = await connect("bob");
    await sync(fresh);
    expect(mails(fresh)).toEqual([]);
    const all = await connect("bob", 0);
    await all.next((f) => f.type === "message" && f.data?.seq === 5);
    expect(mails(all).map((f) => f.data?.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses a `since` that is not a sequence", async () => {
    const server = await start();
    const client = new TestClient(server.url);
    track(client);
    await client.opened;
    client.send({
      type: "auth",
      id: "a",
      data: { token: await signToken({ sub: "bob" }), since: -1 },
    });
    expect(await client.nextOfType("error")).toMatchObject({
      ref: "a",
      data: { code: "invalid_field", field: "data.since" },
    });
  });

  it("refuses mail to a full mailbox with mailbox_full and keeps what it holds", async () => {
    await start({ mailbox: { maxMessages: 2 } });
    const alice = await connect("alice");
    for (const id of ["a", "b", "c"]) alice.send({ type: "message", id, data: { to: "bob", id } });
    expect((await alice.nextOfType("receipt")).ref).toBe("a");
    expect((await alice.nextOfType("receipt")).ref).toBe("b");
    expect(await alice.nextOfType("error")).toMatchObject({
      ref: "c",
      data: { code: "mailbox_full" },
    });
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    expect(bodies(bob)).toEqual([{ id: "a" }, { id: "b" }]);
  });

  it("drops the oldest mail of a full mailbox when the policy says so, and counts it", async () => {
    const server = await start({ mailbox: { maxMessages: 2, overflow: "dropOldest" } });
    const alice = await connect("alice");
    await sendAll(alice, "bob", 3);
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 3);
    expect(bodies(bob)).toEqual([{ n: 2 }, { n: 3 }]);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^postoffice_mail_dropped_total 1$/m);
  });

  it("expires mail older than the TTL, undelivered, and counts it", async () => {
    // The node's clock and its expiry timer are fake (from before it starts, as its stores
    // take the clock then): the mail ages by a second without the test waiting one.
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    try {
      const server = await start({ mailbox: { ttlMs: 1000, expireIntervalMs: 100 } });
      const alice = await connect("alice");
      await sendAll(alice, "bob", 2);
      await vi.advanceTimersByTimeAsync(1000);
      const bob = await connect("bob");
      await sync(bob);
      expect(mails(bob)).toEqual([]);
      await until(
        async () => (await metricValue(server, "postoffice_mail_expired_total")) === 2,
        "the expiry to count both mails",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps mail younger than the TTL", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    try {
      const server = await start({ mailbox: { ttlMs: 1000, expireIntervalMs: 100 } });
      const alice = await connect("alice");
      await sendAll(alice, "bob", 2);
      await vi.advanceTimersByTimeAsync(900);
      const bob = await connect("bob");
      await bob.next((f) => f.type === "message" && f.data?.seq === 2);
      expect(bodies(bob)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await metricValue(server, "postoffice_mail_expired_total")).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers store_unavailable, and not accepted, when the store cannot write", async () => {
    const server = await start({ mailbox: { sqlite: { busyTimeoutMs: 20 } } });
    const alice = await connect("alice");
    const lock = new BetterSqlite3(join(server.config.server.dataDir, "mailboxes.db"), {
      timeout: 10,
    });
    lock.exec("BEGIN EXCLUSIVE");
    try {
      alice.send({ type: "message", id: "c1", data: { to: "bob", text: "lost?" } });
      expect(await alice.nextOfType("error")).toMatchObject({
        ref: "c1",
        data: { code: "store_unavailable" },
      });
    } finally {
      lock.exec("ROLLBACK");
      lock.close();
    }
    expect(alice.frames.filter((f) => f.type === "receipt")).toEqual([]);
    alice.send({ type: "message", id: "c2", data: { to: "bob", text: "now" } });
    expect(await alice.nextOfType("receipt")).toMatchObject({
      ref: "c2",
      data: { status: "accepted" },
    });
    const bob = await connect("bob");
    await sync(bob);
    expect(bodies(bob)).toEqual([{ text: "now" }]);
  });

  it("works the same on the in-memory store", async () => {
    await start({ mailbox: { store: "memory" } });
    const alice = await connect("alice");
    await sendAll(alice, "bob", 2);
    const bob = await connect("bob");
    const second = await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    expect(bodies(bob)).toEqual([{ n: 1 }, { n: 2 }]);
    bob.send({ type: "ack", data: { seq: 2 } });
    const delivered = await alice.next(
      (f) => f.type === "receipt" && f.data?.status === "delivered" && f.ref === "c2",
    );
    expect(delivered.data).toMatchObject({ to: "bob", id: second.data?.id });
  });
});
