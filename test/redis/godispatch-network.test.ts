import { expect, it } from "vitest";
import { dialectNetwork } from "../support/dialect-network.js";
import { cookieClient, GODISPATCH_EVENTS, joinGlobal } from "../support/godispatch-client.js";
import type { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { JWT_SECRET, type TestServer } from "../support/test-server.js";

describeWith("redis-server", "GoDispatch clients in a network of nodes", () => {
  const { clients, twoNodes, nativeClient } = dialectNetwork("godispatch", {
    godispatch: { jwtSecret: JWT_SECRET },
    endpoints: [{ path: "/native", dialect: "native" }],
    events: GODISPATCH_EVENTS,
    permissions: null,
  });

  async function seedClient(node: TestServer, user: string): Promise<SeedClient> {
    const client = await cookieClient(node.url, user, JWT_SECRET);
    clients.push(client);
    return client;
  }

  it("tells the room's members on every node, and shares the rate limit of send_message", async () => {
    const [a, b] = await twoNodes();
    const alice = await seedClient(a, "alice");
    const bob = await seedClient(b, "bob");
    await joinGlobal(alice, "Alice");
    await alice.next(); // its own user_joined
    await joinGlobal(bob, "Bob");
    await bob.next();
    expect(await alice.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"bob","name":"Bob"}}}',
    );
    const alice2 = await seedClient(b, "alice");
    await joinGlobal(alice2, "Alice");
    expect(await bob.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"alice","name":"Alice"}}}',
    );
    for (let i = 0; i < 6; i++) {
      alice.send({ event: "send_message", target: "room:global", payload: { message: `a${i}` } });
      alice2.send({ event: "send_message", target: "room:global", payload: { message: `b${i}` } });
    }
    // 10 a minute per user, counted in Redis for both nodes: two of alice's twelve are refused.
    for (let i = 0; i < 10; i++) {
      expect(JSON.parse(await bob.next())).toMatchObject({
        event: "new_message",
        payload: { user: "alice" },
      });
    }
    bob.send({ event: "send_message", target: "room:global", payload: { message: "mine" } });
    expect(await bob.next()).toBe(
      '{"event":"new_message","payload":{"user":"bob","message":"mine"}}',
    );
  });

  it("carries mail between a GoDispatch client and a native client on another node, and keeps it for one offline", async () => {
    const [a, b] = await twoNodes();
    const carol = await nativeClient(b, "carol");
    carol.send({ type: "message", id: "m1", data: { to: "dave", text: "waiting" } });
    await carol.next((f) => f.type === "receipt" && f.ref === "m1");
    const dave = await seedClient(a, "dave");
    expect(JSON.parse(await dave.next())).toMatchObject({
      event: "message",
      payload: { from: "carol", to: "dave", body: { text: "waiting" } },
    });
    await carol.next((f) => f.type === "receipt" && f.data?.status === "delivered");
    carol.send({ type: "message", id: "m2", data: { to: "dave", text: "live" } });
    expect(JSON.parse(await dave.next())).toMatchObject({ payload: { body: { text: "live" } } });
  });
});
