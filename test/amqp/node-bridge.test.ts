import type { Message } from "amqplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { metricValue } from "../support/metrics.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { SeedClient } from "../support/seed-client.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { openClient, type TestClient } from "./bridge-fixture.js";

let nodes = 0;
/** The AMQP chat seed's shared header (its AUTHHEADER). */
const AUTHHEADER = "Basic c2VlZDpjaGF0LXNlY3JldA==";

describeWith("rabbitmq-server", "the AMQP bridge in a node (amqp: configured)", () => {
  const t = useTestServer();
  let rabbit: TestRabbit;
  let client: TestClient;

  beforeAll(async () => {
    rabbit = await startRabbit();
    client = await openClient(rabbit.url);
  }, 90_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await rabbit?.destroy();
  }, 60_000);

  /** A node whose bridge has queue and exchange names of its own, and is connected. */
  async function startNode(extra: Record<string, unknown> = {}) {
    nodes += 1;
    const amqp = {
      url: rabbit.url,
      service: "orders",
      mailQueue: `node-mail-${process.pid}-${nodes}`,
      deadLetterQueue: `node-mail-${process.pid}-${nodes}.dead`,
      exchange: `node-events-${process.pid}-${nodes}`,
    };
    const server = await t.start({ amqp, ...extra });
    await until(
      async () => (await ready(server.httpUrl)).amqp === "up",
      "the bridge is up",
      30_000,
    );
    return { server, amqp };
  }

  const ready = async (httpUrl: string) =>
    (await (await fetch(`${httpUrl}/ready`)).json()) as { ready: boolean; amqp?: string };

  /** A queue bound to the exchange with `pattern`, and what it received so far. */
  async function listen(exchange: string, pattern: string) {
    const { queue } = await client.channel.assertQueue("", { exclusive: true });
    await client.channel.bindQueue(queue, exchange, pattern);
    const got: Message[] = [];
    await client.channel.consume(queue, (message) => message && got.push(message), { noAck: true });
    return got;
  }

  it("delivers mail published to the queue to a WebSocket client, from the bridge's service, and acknowledges it", async () => {
    const { amqp } = await startNode();
    const bob = await t.connect("bob");
    await client.send(amqp.mailQueue, { to: "bob", data: { text: "parcel shipped" }, id: "o-1" });
    const mail = await bob.nextOfType("message", 10_000);
    expect(mail.data).toMatchObject({
      from: "orders",
      to: "bob",
      body: { text: "parcel shipped" },
    });
    await until(async () => (await client.ready(amqp.mailQueue)) === 0, "the queue is empty");
    expect(await metricValue(t.server, "postoffice_amqp_mail_accepted_total")).toBe(1);
  });

  it("publishes the node's activity to the exchange: mail accepted and delivered, presence joins and leaves", async () => {
    const { server, amqp } = await startNode();
    const events = await listen(amqp.exchange, "#");
    const bob = await t.connect("bob");
    bob.send({ type: "join", id: "j", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "j");
    await client.send(amqp.mailQueue, { to: "bob", data: { n: 1 } });
    const mail = await bob.nextOfType("message", 10_000);
    const keys = () => events.map((message) => message.fields.routingKey);
    bob.send({ type: "ack", data: { seq: mail.data?.seq } });
    // An ack does not hold back the frames behind it (its store write is pipelined): the leave
    // is sent once the ack is stored, so that the four events have one order to check.
    await until(() => keys().includes("mail.delivered.bob"), "the delivered event", 10_000);
    bob.send({ type: "leave", id: "l", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "l");
    await until(() => keys().length >= 4, "four events", 10_000);
    expect(keys()).toEqual([
      "presence.join.lobby",
      "mail.accepted.bob",
      "mail.delivered.bob",
      "presence.leave.lobby",
    ]);
    const accepted = JSON.parse(String(events[1]?.content)) as Record<string, unknown>;
    expect(accepted).toMatchObject({ kind: "mail.accepted", id: mail.data?.id, from: "orders" });
    // The mail's body stays out of events unless amqp.publishBodies.
    expect(accepted).not.toHaveProperty("body");
    expect(
      await metricValue(server, "postoffice_amqp_events_published_total"),
    ).toBeGreaterThanOrEqual(4);
  });

  it("publishes a declared event marked export: true once accepted, and not one unmarked", async () => {
    const { amqp } = await startNode({
      events: {
        kick: { target: "room", export: true, actions: [{ notify_origin: { event: "kicked" } }] },
        chat: { target: "room", actions: [{ notify_origin: { event: "said" } }] },
      },
    });
    const events = await listen(amqp.exchange, "event.#");
    const ann = await t.connect("ann");
    for (const [id, event] of [
      ["e1", "chat"],
      ["e2", "kick"],
    ] as const) {
      ann.send({ type: "event", id, data: { event, target: "lobby", payload: { user: "bob" } } });
      expect(await ann.next((f) => f.ref === id)).toMatchObject({ type: "receipt" });
    }
    await until(() => events.length >= 1, "the exported event", 10_000);
    // Events go out in order: had chat been exported, it would have come first.
    expect(events.map((message) => message.fields.routingKey)).toEqual(["event.kick.room:lobby"]);
    expect(JSON.parse(String(events[0]?.content))).toMatchObject({
      kind: "event",
      name: "kick",
      target: "room:lobby",
      from: "ann",
      payload: { user: "bob" },
    });
  });

  it("shows the bridge on /ready, /api/stats and /metrics, and stops it with the node", async () => {
    const { server, amqp } = await startNode();
    expect(await ready(server.httpUrl)).toMatchObject({ ready: true, amqp: "up" });
    const stats = (await (await fetch(`${server.httpUrl}/api/stats`)).json()) as {
      amqp?: { status: string };
    };
    expect(stats.amqp).toMatchObject({ status: "up", mailAccepted: 0, eventsWaiting: 0 });
    expect(await metricValue(server, "postoffice_amqp_up")).toBe(1);
    expect((await client.channel.checkQueue(amqp.mailQueue)).consumerCount).toBe(1);
    await server.halt();
    // Drained: the bridge no longer consumes, as RabbitMQ sees it.
    await until(
      async () => (await client.channel.checkQueue(amqp.mailQueue)).consumerCount === 0,
      "no consumer left",
    );
  });

  it("copies AMQP chat's waiting mail to the seed's durable queue chat, as the seed wrote it", async () => {
    nodes += 1;
    const server = await t.start({
      server: { dialect: "amqpchat" },
      amqpchat: { authHeader: AUTHHEADER },
      amqp: { url: rabbit.url, mailQueue: `chat-mail-${process.pid}-${nodes}` },
    });
    await until(
      async () => (await ready(server.httpUrl)).amqp === "up",
      "the bridge is up",
      30_000,
    );
    await client.channel.purgeQueue("chat");
    const alice = new SeedClient(`${server.url}?id=alice`, {
      headers: { Authorization: AUTHHEADER },
    });
    try {
      await alice.opened;
      expect(await alice.next()).toBe("Connected");
      alice.send({ sender_id: "alice", target_id: "zed", message: "are you there?" });
      await until(async () => (await client.ready("chat")) === 1, "one message in chat");
    } finally {
      alice.ws.terminate();
    }
    const [message] = await client.drain("chat");
    expect(message?.properties.contentType).toBe("text/plain");
    expect(JSON.parse(String(message?.content))).toMatchObject({
      sender_id: "alice",
      target_id: "zed",
    });
  });
});
