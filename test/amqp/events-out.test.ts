import type { Message } from "amqplib";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/server/activity/activity-event.js";
import type { AmqpBridgeOptions } from "../../src/server/amqp/amqp-bridge-options.js";
import type { AmqpLinkStatus } from "../../src/server/amqp/amqp-bridge-stats.js";
import { freePort } from "../support/child-server.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import {
  type BridgeUnderTest,
  openClient,
  startBridge,
  type TestClient,
} from "./bridge-fixture.js";

const joined = (n: number): ActivityEvent => ({
  kind: "presence.join",
  room: "stream",
  user: `u${n}`,
  ts: 1_700_000_000_000 + n,
});

/** The users of presence events as they arrived, each event once (by message-id). */
function usersInOrder(messages: Message[]): { users: string[]; repeats: number } {
  const seen = new Set<string>();
  const users: string[] = [];
  for (const message of messages) {
    const id = String(message.properties.messageId);
    if (seen.has(id)) continue;
    seen.add(id);
    users.push((JSON.parse(message.content.toString()) as { user: string }).user);
  }
  return { users, repeats: messages.length - users.length };
}

describeWith("rabbitmq-server", "AMQP bridge, events out", () => {
  let rabbit: TestRabbit;
  let client: TestClient;
  const started: BridgeUnderTest[] = [];

  beforeAll(async () => {
    rabbit = await startRabbit();
    client = await openClient(rabbit.url);
  }, 90_000);
  afterEach(async () => {
    for (const bridge of started.splice(0)) await bridge.destroy();
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await rabbit?.destroy();
  }, 60_000);

  async function bridge(
    adjust?: (options: AmqpBridgeOptions) => void,
    url = rabbit.url,
  ): Promise<BridgeUnderTest> {
    const running = await startBridge(url, adjust);
    started.push(running);
    return running;
  }

  /** A durable queue that gets the exchange's events matching `pattern`. */
  async function listen(exchange: string, pattern = "#"): Promise<string> {
    const { queue } = await client.channel.assertQueue(`${exchange}.seen`, { durable: true });
    await client.channel.assertExchange(exchange, "topic", { durable: true });
    await client.channel.bindQueue(queue, exchange, pattern);
    return queue;
  }

  it("publishes each event to the topic exchange with its routing key, in order, persistent, confirmed", async () => {
    const { bridge: running, feed, options } = await bridge();
    const queue = await listen(options.exchange);
    await until(() => running.status === "up", "the bridge to connect");
    const events: ActivityEvent[] = [
      { kind: "mail.accepted", id: "m1", from: "billing", to: "bob", seq: 1, ts: 1000, body: {} },
      { kind: "mail.delivered", id: "m1", from: "billing", to: "bob", ts: 2000 },
      { kind: "mail.read", id: "m1", from: "billing", to: "bob", ts: 3000 },
      { kind: "presence.join", room: "lobby", user: "ann.smith", ts: 4000 },
      { kind: "presence.leave", room: "lobby", user: "ann.smith", ts: 5000 },
      { kind: "event", name: "kick", target: "room:lobby", from: "ann", payload: [1], ts: 6000 },
    ];
    for (const event of events) feed.emit(event);
    await until(() => running.stats().eventsPublished === events.length, "confirms");

    const messages = await client.drain(queue);
    expect(messages.map((message) => message.fields.routingKey)).toEqual([
      "mail.accepted.bob",
      "mail.delivered.bob",
      "mail.read.bob",
      "presence.join.lobby",
      "presence.leave.lobby",
      "event.kick.room:lobby",
    ]);
    expect(messages.map((message) => JSON.parse(message.content.toString()))).toEqual([
      { kind: "mail.accepted", id: "m1", from: "billing", to: "bob", seq: 1, ts: 1000 },
      ...events.slice(1),
    ]);
    for (const [index, message] of messages.entries()) {
      expect(message.properties).toMatchObject({
        deliveryMode: 2,
        contentType: "application/json",
        type: events[index]?.kind,
        appId: "postoffice",
        timestamp: index + 1,
      });
    }
    expect(new Set(messages.map((message) => message.properties.messageId)).size).toBe(6);
    expect(running.stats().eventsWaiting).toBe(0);
  });

  it("puts the mail's body in mail.accepted events when publishBodies is on", async () => {
    const {
      bridge: running,
      feed,
      options,
    } = await bridge((options) => {
      options.publishBodies = true;
    });
    const queue = await listen(options.exchange, "mail.accepted.*");
    await until(() => running.status === "up", "the bridge to connect");
    const event: ActivityEvent = {
      kind: "mail.accepted",
      id: "m2",
      from: "billing",
      to: "bob",
      seq: 2,
      ts: 1,
      body: { text: "your parcel shipped", items: [1, 2] },
    };
    feed.emit(event);
    await until(() => running.stats().eventsPublished === 1, "the confirm");
    const [message] = await client.drain(queue);
    expect(JSON.parse(String(message?.content))).toEqual(event);
  });

  it("keeps events in its outbox while RabbitMQ is killed mid-stream, then publishes every one in order", async () => {
    const { bridge: running, feed, options } = await bridge();
    const queue = await listen(options.exchange, "presence.#");
    await until(() => running.status === "up", "the bridge to connect");
    const statuses: AmqpLinkStatus[] = [];
    running.onStatus((status) => statuses.push(status));
    const total = 3000;
    const emit = async (from: number, to: number): Promise<void> => {
      for (let n = from; n < to; n += 1) {
        feed.emit(joined(n));
        if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
    };

    await emit(0, 1000);
    await rabbit.stop("SIGKILL");
    await until(() => running.status === "down", "the bridge to see RabbitMQ gone");
    await emit(1000, 2000);
    await until(() => running.stats().eventsWaiting >= 1000, "events waiting in the outbox");
    const waitingWhileDown = running.stats().eventsWaiting;

    await rabbit.restart();
    await emit(2000, total);
    await until(() => running.status === "up", "the bridge to reconnect", 30_000);
    await until(() => running.stats().eventsWaiting === 0, "the outbox to empty", 30_000);

    client = await openClient(rabbit.url);
    const { users, repeats } = usersInOrder(await client.drain(queue));
    expect(users).toEqual(Array.from({ length: total }, (_, n) => `u${n}`));
    expect(statuses).toEqual(["down", "up"]);
    expect(running.stats().eventsDropped).toBe(0);
    console.log(
      `outbox held ${waitingWhileDown} events while RabbitMQ was down; ${repeats} of ${total} arrived twice (same message-id)`,
    );
  }, 90_000);

  it("drops the oldest events once its outbox is full, counts them, and keeps the rest for the next start", async () => {
    const nowhere = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    const away = await startBridge(nowhere, (options) => {
      options.outbox.maxEvents = 10;
    });
    for (let n = 0; n < 25; n += 1) away.feed.emit(joined(n));
    await until(() => away.bridge.stats().eventsWaiting === 10, "a full outbox");
    expect(away.bridge.stats()).toMatchObject({ status: "down", eventsDropped: 15 });
    await away.close();

    const queue = await listen(away.options.exchange);
    const { bridge: running } = await bridge((options) => {
      options.exchange = away.options.exchange;
      options.outbox.directory = away.options.outbox.directory;
    });
    await until(() => running.stats().eventsWaiting === 0, "the kept events to go out");
    const { users } = usersInOrder(await client.drain(queue));
    expect(users).toEqual(Array.from({ length: 10 }, (_, n) => `u${15 + n}`));
  });
});
