import { describe, expect, it } from "vitest";
import { metricValue } from "../support/metrics.js";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

const publish = (httpUrl: string, body: unknown, key = KEYS.publisher) =>
  api(httpUrl, "POST", "/api/v1/publish", { key, body });

describe("POST /api/v1/publish", () => {
  const t = useTestServer();

  it("delivers mail to a connected client as a message frame from the key's service, once accepted", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const answer = await publish(httpUrl, { to: "bob", data: { text: "your parcel shipped" } });
    expect(answer.status).toBe(202);
    const [item] = (answer.body as { accepted: Array<{ id: string; to: string; ts: number }> })
      .accepted;
    expect(item).toMatchObject({ to: "bob" });
    const mail = await bob.nextOfType("message");
    expect(mail.data).toEqual({
      id: item?.id,
      seq: 1,
      from: "billing",
      to: "bob",
      ts: item?.ts,
      body: { text: "your parcel shipped" },
    });
  });

  it("keeps mail for an offline user in the mailbox and gives it when they connect", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const answer = await publish(httpUrl, { to: "carol", data: { n: 1 } });
    expect(answer.status).toBe(202);
    const waiting = await api(httpUrl, "GET", "/api/v1/users/carol/mailbox", { key: KEYS.reader });
    expect(waiting.body).toMatchObject({
      user: "carol",
      position: { last: 1, acked: 0 },
      entries: [{ kind: "mail", seq: 1, from: "billing", body: { n: 1 } }],
      next: null,
    });
    const carol = await t.connect("carol");
    expect((await carol.nextOfType("message")).data).toMatchObject({
      from: "billing",
      body: { n: 1 },
    });
  });

  it("puts mail to several users in each mailbox, answering one item per recipient in order", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const ann = await t.connect("ann");
    const bob = await t.connect("bob");
    const answer = await publish(httpUrl, { to: ["ann", "bob"], data: { text: "maintenance" } });
    expect(answer.status).toBe(202);
    const accepted = (answer.body as { accepted: Array<{ to: string }> }).accepted;
    expect(accepted.map((item) => item.to)).toEqual(["ann", "bob"]);
    for (const client of [ann, bob]) {
      expect((await client.nextOfType("message")).data).toMatchObject({
        from: "billing",
        body: { text: "maintenance" },
      });
    }
  });

  it("sends to a room's members without being a member, and keeps it in the room's history", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      rooms: { settings: [{ match: "*", presence: false, history: 10 }] },
    });
    const bob = await t.connect("bob");
    bob.send({ type: "join", id: "j", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "j");
    const answer = await publish(httpUrl, { room: "lobby", data: { text: "hello room" } });
    expect(answer.status).toBe(202);
    expect((answer.body as { accepted: unknown[] }).accepted).toEqual([
      expect.objectContaining({ room: "lobby" }),
    ]);
    expect((await bob.nextOfType("message")).data).toMatchObject({
      room: "lobby",
      from: "billing",
      seq: 1,
      body: { text: "hello room" },
    });
    const history = await api(httpUrl, "GET", "/api/v1/rooms/lobby/history?since=0", {
      key: KEYS.reader,
    });
    expect(history.body).toMatchObject({
      room: "lobby",
      position: 1,
      recovered: true,
      messages: [{ seq: 1, from: "billing", body: { text: "hello room" } }],
    });
  });

  it("lets a service broadcast only with a role permissions.broadcast names", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const refused = await publish(httpUrl, { broadcast: true, data: { text: "x" } });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: "forbidden", pointer: "/broadcast" });
    expect(errorOf(refused).message).toContain("permissions.broadcast");
    const allowed = await publish(
      httpUrl,
      { broadcast: true, data: { text: "maintenance at 22:00" } },
      KEYS.broadcaster,
    );
    expect(allowed.status).toBe(202);
    expect((await bob.nextOfType("broadcast")).data).toMatchObject({
      from: "status",
      body: { text: "maintenance at 22:00" },
    });
  });

  it("gives the service delivered receipts in its own mailbox when the recipient acknowledges", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const answer = await publish(httpUrl, { to: "bob", data: { n: 1 } });
    const mailId = (answer.body as { accepted: Array<{ id: string }> }).accepted[0]?.id;
    const mail = await bob.nextOfType("message");
    bob.send({ type: "ack", data: { seq: mail.data?.seq } });
    bob.send({ type: "ping", id: "p" });
    await bob.next((f) => f.ref === "p");
    const receipts = await api(httpUrl, "GET", "/api/v1/users/billing/mailbox", {
      key: KEYS.reader,
    });
    expect(receipts.body).toMatchObject({
      entries: [{ kind: "receipt", status: "delivered", mailId, to: "bob" }],
    });
  });

  it("counts API mail in the same metrics as clients' mail", async () => {
    const server = await t.start(API_CONFIG);
    await publish(server.httpUrl, { to: ["ann", "bob"], data: {} });
    await publish(server.httpUrl, { room: "lobby", data: {} });
    expect(await metricValue(server, 'postoffice_messages_routed_total{kind="direct"}')).toBe(2);
    expect(await metricValue(server, 'postoffice_messages_routed_total{kind="room"}')).toBe(1);
  });
});
