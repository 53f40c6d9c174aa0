import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const events = {
  join_room: {
    target: "room",
    actions: ["join", { notify_room: { event: "user_joined", payload: { user: "{$user.id}" } } }],
  },
  send_message: {
    target: "room",
    modifiers: [{ rate_limit: "3/m" }],
    actions: [
      {
        notify_room: {
          event: "new_message",
          payload: { user: "{$user.id}", message: "{.payload.message}" },
        },
      },
    ],
  },
  poke: { target: "user", actions: [{ notify_user: { event: "poked", payload: {} } }] },
  letter: { target: "user", actions: ["mail"] },
  announce: { target: "none", actions: [{ broadcast: { event: "announcement" } }] },
};

describeWith("redis-server", "declared events on a network of nodes", () => {
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

  /** Two nodes sharing one Redis (mailboxes, rooms, presence, rate limits). */
  const twoNodes = async (): Promise<[TestServer, TestServer]> => {
    const keyPrefix = `events-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          redis: { url: redis.url, keyPrefix },
          mailbox: { store: "redis" },
          server: { shutdown: { reconnectWindowMs: 100 } },
          events,
        }),
      );
    }
    return [nodes[0] as TestServer, nodes[1] as TestServer];
  };
  const on = async (node: TestServer, user: string, roles: string[] = []) => {
    const client = await connectAs(node.url, await signToken({ sub: user, roles }));
    clients.push(client);
    return client;
  };
  let ids = 0;
  const emit = async (
    client: TestClient,
    event: string,
    target?: string,
    payload?: unknown,
  ): Promise<Frame> => {
    const id = `e${++ids}`;
    client.send({ type: "event", id, data: { event, target, payload } });
    return client.next((f) => f.ref === id);
  };
  const notice = (client: TestClient, event: string, from?: string) =>
    client.next(
      (f) =>
        f.type === "event" &&
        f.data?.event === event &&
        (from === undefined || f.data.from === from),
    );

  it("notifies a room's members on both nodes", async () => {
    const [a, b] = await twoNodes();
    const alice = await on(a, "alice");
    const bob = await on(b, "bob");
    expect((await emit(bob, "join_room", "lobby")).type).toBe("receipt");
    expect((await emit(alice, "join_room", "lobby")).type).toBe("receipt");
    expect((await notice(bob, "user_joined", "alice")).data).toMatchObject({
      from: "alice",
      room: "lobby",
    });
    await emit(alice, "send_message", "lobby", { message: 'on "a" <i>' });
    expect((await notice(bob, "new_message")).data).toMatchObject({
      payload: { user: "alice", message: 'on "a" <i>' },
      from: "alice",
    });
  });

  it("shares a user's rate limit across nodes", async () => {
    const [a, b] = await twoNodes();
    const onA = await on(a, "alice");
    const onB = await on(b, "alice");
    await emit(onA, "join_room", "lobby");
    await emit(onB, "join_room", "lobby");
    const answers = [];
    for (const client of [onA, onB, onA]) {
      answers.push((await emit(client, "send_message", "lobby", { message: "hi" })).type);
    }
    expect(answers).toEqual(["receipt", "receipt", "receipt"]);
    expect(await emit(onB, "send_message", "lobby", { message: "one more" })).toMatchObject({
      type: "error",
      data: { code: "rate_limited", retryAfterMs: expect.any(Number) },
    });
  });

  it("reaches every connection of a user, and everyone, whichever node they are on", async () => {
    const [a, b] = await twoNodes();
    const alice = await on(a, "alice");
    const bobOnA = await on(a, "bob");
    const bobOnB = await on(b, "bob");
    const root = await on(b, "root", ["admin"]);
    expect((await emit(alice, "poke", "user:bob")).type).toBe("receipt");
    await notice(bobOnA, "poked");
    await notice(bobOnB, "poked");
    expect((await emit(root, "announce", undefined, { text: "hello" })).type).toBe("receipt");
    for (const client of [alice, bobOnA, bobOnB]) {
      expect((await notice(client, "announcement")).data).toMatchObject({ from: "root" });
    }
  });

  it("mails a user on the other node through the shared mailbox, with receipts back", async () => {
    const [a, b] = await twoNodes();
    const alice = await on(a, "alice");
    const bob = await on(b, "bob");
    const receipt = await emit(alice, "letter", "user:bob", { text: "across" });
    const [mail] = (receipt.data?.mail ?? []) as Array<{ id: string; seq: number }>;
    const got = await bob.nextOfType("message");
    expect(got.data).toMatchObject({ id: mail?.id, from: "alice", body: { text: "across" } });
    bob.send({ type: "ack", data: { seq: got.data?.seq } });
    await alice.next((f) => f.type === "receipt" && f.data?.status === "delivered");
  });
});
