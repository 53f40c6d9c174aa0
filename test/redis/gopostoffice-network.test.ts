import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describeWith("redis-server", "GO-POSTOFFICE clients in a network of nodes", () => {
  let redis: TestRedis;
  const nodes: TestServer[] = [];
  const clients: Array<TestClient | SeedClient> = [];
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

  async function twoNodes(): Promise<[TestServer, TestServer]> {
    const keyPrefix = `gp-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          redis: { url: redis.url, keyPrefix },
          mailbox: { store: "redis" },
          server: { dialect: "gopostoffice", shutdown: { reconnectWindowMs: 100 } },
          gopostoffice: { trustClientId: true },
          endpoints: [
            { path: "/native", dialect: "native" },
            { path: "*", dialect: "gopostoffice" },
          ],
        }),
      );
    }
    return [nodes[0] as TestServer, nodes[1] as TestServer];
  }

  async function seedClient(node: TestServer, id: string): Promise<SeedClient> {
    const client = new SeedClient(`ws://127.0.0.1:${node.node.port}/?clientID=${id}`);
    clients.push(client);
    await client.opened;
    return client;
  }

  it("delivers a mail byte for byte to ids on both nodes, and one kept for an offline id", async () => {
    const [a, b] = await twoNodes();
    const sender = await seedClient(a, "svc-a");
    const near = await seedClient(a, "near");
    const far = await seedClient(b, "far");
    const text = `{"from":"svc-a","to":["near","far","away"],"type":"msg","content":{"q":"\\u00e9 <>"}}`;
    sender.send(text);
    expect(await near.next()).toBe(text);
    expect(await far.next()).toBe(text);
    const away = await seedClient(b, "away");
    expect(await away.next()).toBe(text);
  });

  it("carries mail between a GO-POSTOFFICE client and a native client on another node", async () => {
    const [a, b] = await twoNodes();
    const erp = await seedClient(a, "erp");
    const alice = await connectAs(
      `ws://127.0.0.1:${b.node.port}/native`,
      await signToken({ sub: "alice" }),
    );
    clients.push(alice);
    const text = `{"from":"erp","to":"alice","subject":"s","content":1,"type":"msg"}`;
    erp.send(text);
    const mail = await alice.nextOfType("message");
    expect(mail.data).toMatchObject({ from: "erp", body: { text } });
    alice.send({ type: "message", id: "m1", data: { to: "erp", text: "ok" } });
    expect(JSON.parse(await erp.next())).toMatchObject({ from: "alice", to: "erp", content: "ok" });
  });
});
