import { expect, it } from "vitest";
import { dialectNetwork } from "../support/dialect-network.js";
import { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { JWT_SECRET, type TestServer } from "../support/test-server.js";

const AUTHHEADER = "network-chat-secret";

describeWith("redis-server", "AMQP chat clients in a network of nodes", () => {
  const { clients, twoNodes, nativeClient } = dialectNetwork("amqpchat", {
    amqpchat: { authHeader: AUTHHEADER },
    endpoints: [{ path: "/native", dialect: "native", auth: { jwt: { secret: JWT_SECRET } } }],
  });

  async function seedClient(node: TestServer, id: string): Promise<SeedClient> {
    const client = new SeedClient(`${node.url}?id=${id}`, {
      headers: { Authorization: AUTHHEADER },
    });
    clients.push(client);
    await client.opened;
    expect(await client.next()).toBe("Connected");
    return client;
  }

  it("answers Delivered.✔️✔️ for a recipient connected to another node, and Delivered.✔️ once it left", async () => {
    const [a, b] = await twoNodes();
    const tenant = await seedClient(a, "tenant");
    const admin = await seedClient(b, "admin");
    tenant.send({ target_id: "admin", message: "across", sender_id: "tenant" });
    expect(await admin.next()).toBe("across");
    expect(await tenant.next()).toBe("Delivered.✔️✔️");
    admin.close();
    await admin.closed;
    // The other node drops its subscription once its last session of admin is gone.
    let answer = "";
    for (let n = 0; answer !== "Delivered.✔️" && n < 50; n++) {
      tenant.send({ target_id: "admin", message: `later ${n}`, sender_id: "tenant" });
      answer = await tenant.next();
    }
    expect(answer).toBe("Delivered.✔️");
  });

  it("keeps mail for a recipient offline everywhere and gives all of it, in order, on any node", async () => {
    const [a, b] = await twoNodes();
    const tenant = await seedClient(a, "tenant");
    for (const n of [1, 2, 3]) {
      tenant.send({ target_id: "landlord", message: `mail ${n}`, sender_id: "tenant" });
      expect(await tenant.next()).toBe("Delivered.✔️");
    }
    const landlord = await seedClient(b, "landlord");
    for (const n of [1, 2, 3]) expect(await landlord.next()).toBe(`mail ${n}`);
  });

  it("carries mail between an AMQP chat client and a native client on another node, both ways", async () => {
    const [a, b] = await twoNodes();
    const user = await seedClient(a, "user1");
    const alice = await nativeClient(b, "alice");
    user.send({ target_id: "alice", message: "Hello", sender_id: "user1" });
    expect(await user.next()).toBe("Delivered.✔️✔️");
    expect((await alice.nextOfType("message")).data).toMatchObject({
      from: "user1",
      body: { text: "Hello" },
    });
    alice.send({ type: "message", id: "r1", data: { to: "user1", text: "Hi back" } });
    expect(await user.next()).toBe("Hi back");
    await alice.next((f) => f.ref === "r1" && f.data?.status === "delivered");
  });
});
