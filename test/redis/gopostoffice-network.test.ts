import { expect, it } from "vitest";
import { dialectNetwork } from "../support/dialect-network.js";
import { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, signToken } from "../support/test-client.js";
import type { TestServer } from "../support/test-server.js";

describeWith("redis-server", "GO-POSTOFFICE clients in a network of nodes", () => {
  const { clients, twoNodes } = dialectNetwork("gopostoffice", {
    gopostoffice: { trustClientId: true },
    endpoints: [
      { path: "/native", dialect: "native" },
      { path: "*", dialect: "gopostoffice" },
    ],
  });

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
