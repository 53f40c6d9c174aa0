import { expect, it } from "vitest";
import { dialectNetwork } from "../support/dialect-network.js";
import { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { JWT_SECRET, type TestServer } from "../support/test-server.js";

describeWith("redis-server", "MessageTransfer clients in a network of nodes", () => {
  const { clients, twoNodes, nativeClient } = dialectNetwork("messagetransfer", {
    auth: { tokens: [{ token: "valid-token", user: "*" }] },
    endpoints: [{ path: "/native", dialect: "native", auth: { jwt: { secret: JWT_SECRET } } }],
  });

  async function seedClient(node: TestServer, id: string): Promise<SeedClient> {
    const client = new SeedClient(`${node.url}?client_id=${id}`);
    clients.push(client);
    await client.opened;
    client.send({ type: "auth", data: { token: "valid-token" } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
    return client;
  }

  it("carries mail between a MessageTransfer client and a native client on another node, both ways", async () => {
    const [a, b] = await twoNodes();
    const user1 = await seedClient(a, "user1");
    const alice = await nativeClient(b, "alice");
    user1.send({ type: "message", data: { to: "alice", text: "Hello" } });
    expect((await alice.nextOfType("message")).data).toMatchObject({
      from: "user1",
      body: { text: "Hello" },
    });
    alice.send({ type: "message", id: "r1", data: { to: "user1", text: "Hi back" } });
    expect(await user1.next()).toBe(
      '{"data":{"from":"alice","text":"Hi back"},"type":"message"}\n',
    );
    await alice.next((f) => f.ref === "r1" && f.data?.status === "delivered");
  });

  it("keeps mail for a MessageTransfer client offline everywhere and gives it on any node after auth", async () => {
    const [a, b] = await twoNodes();
    const alice = await nativeClient(a, "alice");
    for (const n of [1, 2, 3]) {
      alice.send({ type: "message", id: `m${n}`, data: { to: "user2", text: `mail ${n}` } });
      await alice.next((f) => f.ref === `m${n}` && f.data?.status === "accepted");
    }
    const user2 = await seedClient(b, "user2");
    for (const n of [1, 2, 3]) {
      expect(await user2.next()).toBe(
        `{"data":{"from":"alice","text":"mail ${n}"},"type":"message"}\n`,
      );
    }
  });
});
