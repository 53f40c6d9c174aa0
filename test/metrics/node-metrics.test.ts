import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { VERSION } from "../../src/server/version.js";
import { metricValue } from "../support/metrics.js";
import type { TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { samplesOf } from "./test-metrics.js";

async function samples(server: TestServer): Promise<Map<string, number>> {
  return samplesOf(await (await fetch(`${server.httpUrl}/metrics`)).text());
}

describe("a node's /metrics", () => {
  const po = useTestServer();

  it("says which version runs, on which Node.js", async () => {
    const server = await po.start();
    const found = [...(await samples(server))].filter(([name]) =>
      name.startsWith("postoffice_build_info{"),
    );
    expect(found).toEqual([
      [`postoffice_build_info{version="${VERSION}",commit="unknown",node="${process.version}"}`, 1],
    ]);
  });

  it("times each message from its arrival to its `accepted`, for direct mail and room messages", async () => {
    const server = await po.start();
    const alice = await po.connect("alice");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "hi" } });
    await alice.next((f) => f.ref === "m1" && f.data?.status === "accepted");
    alice.send({ type: "join", id: "j1", data: { room: "lobby" } });
    await alice.next((f) => f.ref === "j1");
    alice.send({ type: "message", id: "m2", data: { room: "lobby", text: "hello" } });
    await alice.next((f) => f.ref === "m2" && f.data?.status === "accepted");
    const found = await samples(server);
    expect(found.get('postoffice_accept_latency_seconds_count{kind="direct"}')).toBe(1);
    expect(found.get('postoffice_accept_latency_seconds_count{kind="room"}')).toBe(1);
    expect(found.get('postoffice_accept_latency_seconds_sum{kind="direct"}')).toBeGreaterThan(0);
  });

  it("times live deliveries from the mail's acceptance to the recipient's socket, not replays", async () => {
    const server = await po.start();
    const alice = await po.connect("alice");
    alice.send({ type: "message", id: "stored", data: { to: "bob", text: "while you were out" } });
    await alice.next((f) => f.ref === "stored");
    const bob = await po.connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 1);
    expect(await metricValue(server, "postoffice_delivery_latency_seconds_count")).toBe(0);
    alice.send({ type: "message", id: "live", data: { to: "bob", text: "now" } });
    await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    expect(await metricValue(server, "postoffice_delivery_latency_seconds_count")).toBe(1);
  });

  it("times the mailbox store's group commits", async () => {
    const server = await po.start();
    const alice = await po.connect("alice");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "hi" } });
    await alice.next((f) => f.ref === "m1");
    expect(await metricValue(server, "postoffice_mailbox_commit_seconds_count")).toBeGreaterThan(0);
  });

  it("counts the close codes clients choose by range, not one label each", async () => {
    const server = await po.start();
    for (const code of [4123, 4567, 3999, 1000]) {
      const client = await po.connect("alice");
      client.ws.close(code);
      await client.closed;
    }
    const disconnects = (code: string) =>
      metricValue(server, `postoffice_disconnects_total{code="${code}",dialect="native"}`);
    await until(async () => (await disconnects("1000")) === 1, "the last close to be counted");
    expect([await disconnects("4xxx"), await disconnects("3xxx")]).toEqual([2, 1]);
    expect(await disconnects("4123")).toBeUndefined();
  });

  it("counts the chat preset's connections under the broadcast dialect", async () => {
    const server = await po.start({ preset: "chat" });
    const ws = new WebSocket(`${server.url}?username=john`);
    await new Promise((resolve) => ws.once("message", resolve));
    const found = await samples(server);
    expect(found.get('postoffice_connections{dialect="broadcast"}')).toBe(1);
    expect(found.get('postoffice_sessions_authenticated{dialect="broadcast"}')).toBe(1);
    expect(found.get('postoffice_connections{dialect="native"}')).toBe(0);
    ws.terminate();
  });
});
