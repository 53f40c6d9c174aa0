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

  async function seedClient(node: TestServer, id: string, startTime?: string): Promise<SeedClient> {
    const query = startTime === undefined ? "" : `&startTime=${startTime}`;
    const client = new SeedClient(`ws://127.0.0.1:${node.node.port}/?clientID=${id}${query}`);
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

  it("closes a clientID's connection on another node when a newer startTime connects, and a stale one that connects after", async () => {
    const [a, b] = await twoNodes();
    const sender = await seedClient(a, "src");
    const old = await seedClient(a, "svc", "1700000000");
    const fresh = await seedClient(b, "svc", "1700000100");
    expect(await old.closed).toEqual({ code: 4410, reason: "replaced" });
    // The old instance comes back with its old startTime, on the node that no longer holds
    // the clientID: it is let in there, then closed once the newer connection's node answers.
    const stale = await seedClient(a, "svc", "1700000000");
    expect(await stale.closed).toEqual({ code: 4410, reason: "replaced" });
    const text = `{"from":"src","to":"svc","subject":"s","content":"only once","type":"msg"}`;
    sender.send(text);
    expect(await fresh.next()).toBe(text);
    expect(fresh.ws.readyState).toBe(fresh.ws.OPEN);
    expect([...old.texts, ...stale.texts]).toEqual([]);
  });
});
