import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";

describeWith("redis-server", "a network of nodes on one Redis", () => {
  let redis: TestRedis;
  const nodes: TestServer[] = [];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const node of nodes.splice(0)) await node.stop();
  });
  const startNodes = async (
    count: number,
    extra: Record<string, unknown> = {},
  ): Promise<TestServer[]> => {
    const keyPrefix = `net-${randomUUID()}:`;
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startTestServer({
          redis: { url: redis.url, keyPrefix },
          mailbox: { store: "redis" },
          server: { shutdown: { reconnectWindowMs: 100 } },
          ...extra,
        }),
      );
    }
    return nodes.slice(-count);
  };
  const on = async (node: TestServer, user: string): Promise<TestClient> => {
    const client = await connectAs(
      node.url,
      await signToken({ sub: user, roles: user === "ann" ? ["admin"] : [] }),
    );
    clients.push(client);
    return client;
  };

  it("delivers mail between users on different nodes, in order, with receipts", async () => {
    const [a, b] = await startNodes(2);
    const alice = await on(a as TestServer, "alice");
    const bob = await on(b as TestServer, "bob");
    for (let n = 1; n <= 20; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });
    await bob.next((f) => f.type === "message" && f.data?.seq === 20);
    const bodies = bob.frames.filter((f) => f.type === "message").map((f) => f.data?.body);
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i + 1 })));
    bob.send({ type: "ack", data: { seq: 20 } });
    await alice.next(
      (f) => f.type === "receipt" && f.data?.status === "delivered" && f.ref === "c20",
    );
  });

  it("keeps mail for a user who is offline everywhere and gives it on any node", async () => {
    const [a, b] = await startNodes(2);
    const alice = await on(a as TestServer, "alice");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "hi" } });
    await alice.next((f) => f.ref === "m1");
    const bob = await on(b as TestServer, "bob");
    expect((await bob.nextOfType("message")).data).toMatchObject({
      from: "alice",
      body: { text: "hi" },
    });
  });

  it("shares rooms, presence and broadcasts across nodes", async () => {
    const [a, b] = await startNodes(2);
    const ann = await on(a as TestServer, "ann");
    const bob = await on(b as TestServer, "bob");
    ann.send({ type: "join", id: "j1", data: { room: "lobby" } });
    await ann.next((f) => f.ref === "j1");
    bob.send({ type: "join", id: "j2", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "j2");
    await ann.next(
      (f) => f.type === "presence" && f.data?.event === "join" && f.data?.user === "bob",
    );
    ann.send({ type: "who", id: "w", data: { room: "lobby" } });
    expect(
      [
        ...(((await ann.next((f) => f.ref === "w")).data?.members as string[] | undefined) ?? []),
      ].sort(),
    ).toEqual(["ann", "bob"]);
    ann.send({ type: "message", id: "r1", data: { room: "lobby", text: "hello room" } });
    expect(
      (await bob.next((f) => f.type === "message" && f.data?.room === "lobby")).data,
    ).toMatchObject({
      from: "ann",
      seq: 1,
    });
    ann.send({ type: "broadcast", id: "b1", data: { text: "to everyone" } });
    expect((await bob.nextOfType("broadcast")).data).toMatchObject({
      from: "ann",
      body: { text: "to everyone" },
    });
  });

  it("reports not ready and refuses sends while Redis is away, then comes back by itself", async () => {
    const [a] = await startNodes(1);
    const alice = await on(a as TestServer, "alice");
    await redis.stop();
    let ready: Response | undefined;
    await until(async () => {
      ready = await fetch(`${a?.httpUrl}/ready`);
      return ready.status === 503;
    }, "/ready to say 503");
    expect(await ready?.json()).toMatchObject({ ready: false, state: "unavailable" });
    alice.send({ type: "message", id: "lost?", data: { to: "bob", text: "while down" } });
    expect(await alice.next((f) => f.ref === "lost?", 5000)).toMatchObject({
      data: { code: "store_unavailable" },
    });
    await redis.restart();
    await until(
      async () => (await fetch(`${a?.httpUrl}/ready`)).status === 200,
      "the node to become ready again",
      10_000,
    );
    alice.send({ type: "message", id: "after", data: { to: "bob", text: "back" } });
    expect((await alice.next((f) => f.ref === "after", 5000)).type).toBe("receipt");
  }, 30_000);
  it("stores each sender's pipelined mail in the order sent when Redis forgets its scripts between bursts", async () => {
    const [a, b] = await startNodes(2);
    const senders = [await on(a as TestServer, "alice"), await on(b as TestServer, "carol")];
    const probe = new Redis(redis.url);
    const bursts = 10;
    try {
      for (let burst = 0; burst < bursts; burst++) {
        await probe.script("FLUSH");
        // The frames of both senders arrive a few at a time, as from clients on a network.
        for (let n = 1; n <= 40; n++) {
          for (const sender of senders)
            sender.send({
              type: "message",
              id: `${burst}-${n}`,
              data: { to: "bob", n: burst * 40 + n },
            });
          if (n % (1 + (burst % 3)) === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        for (const sender of senders)
          expect((await sender.next((f) => f.ref === `${burst}-40`, 5000)).data).toMatchObject({
            status: "accepted",
          });
      }
    } finally {
      probe.disconnect();
    }
    // Bob's replay comes in seq order: each sender's mail must come in the order it was sent.
    const bob = await on(a as TestServer, "bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === bursts * 80, 10_000);
    const mail = bob.frames.filter((f) => f.type === "message").map((f) => f.data ?? {});
    for (const from of ["alice", "carol"]) {
      const sent = mail.filter((m) => m.from === from).map((m) => (m.body as { n: number }).n);
      expect(sent).toEqual(Array.from({ length: bursts * 40 }, (_, i) => i + 1));
    }
  }, 30_000);
  /** Polls `/ready` until it answers `status`; fails after `withinMs`. */
  const readyBecomes = async (node: TestServer, status: number, withinMs: number) => {
    let body: Record<string, unknown> = {};
    await until(
      async () => {
        const ready = await fetch(`${node.httpUrl}/ready`);
        body = (await ready.json()) as Record<string, unknown>;
        return ready.status === status;
      },
      `/ready to answer ${status}`,
      withinMs,
    );
    return body;
  };

  it("answers outcome_unknown, not store_unavailable, to a send Redis took and did not answer in time, and the retry lands once", async () => {
    // Without the count of new mailboxes, the first mail to bob goes to Redis as the append
    // itself, not after a read of bob's mailbox (a read Redis did not answer is
    // store_unavailable: nothing was written) [LIMIT-8].
    const [a] = await startNodes(1, { limits: { sender: { maxNewMailboxes: 0 } } });
    const alice = await on(a as TestServer, "alice");
    redis.pause();
    try {
      // Sent at once: the connection counts as up until a health PING has waited 2 s. The
      // command then times out after 5 s, unanswered; Redis runs it when it resumes.
      alice.send({ type: "message", id: "m1", data: { to: "bob", text: "paused" } });
      expect(await alice.next((f) => f.ref === "m1", 8000)).toMatchObject({
        type: "error",
        data: { code: "outcome_unknown" },
      });
    } finally {
      redis.resume();
    }
    await readyBecomes(a as TestServer, 200, 10_000);
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "paused" } });
    expect(await alice.next((f) => f.ref === "m1" && f.type === "receipt", 5000)).toBeDefined();
    const bob = await on(a as TestServer, "bob");
    alice.send({ type: "message", id: "m2", data: { to: "bob", text: "after" } });
    await bob.next(
      (f) => f.type === "message" && (f.data?.body as { text?: string })?.text === "after",
      5000,
    );
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.data?.body)).toEqual([
      { text: "paused" },
      { text: "after" },
    ]);
  }, 30_000);

  it("watches every one of its Redis connections, and is ready only while all are up", async () => {
    const [a] = await startNodes(1);
    const metrics = await (await fetch(`${a?.httpUrl}/metrics`)).text();
    const up = [
      ...metrics.matchAll(/^postoffice_redis_connection_up\{connection="([^"]+)"\} 1$/gm),
    ];
    expect(up.map((match) => match[1]).sort()).toEqual([
      "presence",
      "publish",
      "rate-limits",
      "room-log",
      "store",
      "subscribe",
    ]);
    // Cut one connection, the room log's, which /ready used not to watch.
    const probe = new Redis(redis.url);
    try {
      const clients = String(await probe.client("LIST"));
      const id = /id=(\d+) [^\n]*name=postoffice:room-log /.exec(clients)?.[1];
      expect(id).toBeDefined();
      await probe.client("KILL", "ID", String(id));
    } finally {
      probe.disconnect();
    }
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`${a?.httpUrl}/metrics`)).text();
        expect(text).toMatch(
          /^postoffice_redis_connection_errors_total\{connection="room-log"\} 1$/m,
        );
      },
      { timeout: 5000 },
    );
    await readyBecomes(a as TestServer, 200, 5000);
  });

  it("answers 503 on /ready within seconds while Redis is paused (SIGSTOP), and 200 once it resumes", async () => {
    const [a] = await startNodes(1);
    const alice = await on(a as TestServer, "alice");
    redis.pause();
    try {
      // One health PING a second, down once one has waited 2 s: 503 within about 3 s.
      expect(await readyBecomes(a as TestServer, 503, 5000)).toEqual({
        ready: false,
        state: "unavailable",
      });
      const metrics = await (await fetch(`${a?.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^postoffice_redis_connection_up\{connection="store"\} 0$/m);
    } finally {
      redis.resume();
    }
    await readyBecomes(a as TestServer, 200, 10_000);
    alice.send({ type: "message", id: "resumed", data: { to: "bob", text: "back" } });
    expect((await alice.next((f) => f.ref === "resumed", 5000)).type).toBe("receipt");
  }, 30_000);
});
