import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
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
});
