import { type AddressInfo, createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { BrokerMessage } from "../../src/server/broker/broker.js";
import {
  RedisBroker,
  type RedisBrokerOptions,
  type RedisBrokerStatus,
} from "../../src/server/broker/redis-broker.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import { brokerContract } from "./broker.contract.js";

describeWith("redis-server", "RedisBroker on a real redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  // Each test gets its own channels, so nothing one test published can reach another.
  let tests = 0;
  const freshPrefix = (): string => `po${++tests}:`;

  async function startBroker(options: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> {
    const broker = new RedisBroker({
      connect: redisClients(redis.url).connect,
      keyPrefix: freshPrefix(),
      onHandlerError: (error) => {
        throw error;
      },
      ...options,
    });
    await broker.whenReady();
    return broker;
  }

  brokerContract("RedisBroker", (onHandlerError) => startBroker({ onHandlerError }));

  describe("RedisBroker across nodes and outages", () => {
    const open: RedisBroker[] = [];
    const node = async (options: Partial<RedisBrokerOptions>): Promise<RedisBroker> => {
      const broker = await startBroker(options);
      open.push(broker);
      return broker;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((broker) => broker.close()));
    });

    it("lets two nodes see each other's publishes, in each publisher's order", async () => {
      const keyPrefix = freshPrefix();
      const a = await node({ keyPrefix });
      const b = await node({ keyPrefix });
      const seenByA: number[] = [];
      const seenByB: number[] = [];
      await a.subscribe("room:lobby", (m) => seenByA.push(m.seq));
      await b.subscribe("room:lobby", (m) => seenByB.push(m.seq));
      const sent = Array.from({ length: 200 }, (_, i) => i + 1);
      await Promise.all(sent.map((seq) => a.publish("room:lobby", { seq, frame: `f${seq}` })));
      await b.publish("room:lobby", { seq: 1000, frame: "from b" });
      await until(() => seenByA.length === 201 && seenByB.length === 201, "both nodes' deliveries");
      expect(seenByB).toEqual([...sent, 1000]);
      expect(seenByA).toEqual(seenByB);
    });

    it("keeps clusters with different key prefixes apart", async () => {
      const a = await node({});
      const cluster = freshPrefix();
      const b = await node({ keyPrefix: cluster });
      const sameCluster = await node({ keyPrefix: cluster });
      const seen: BrokerMessage[] = [];
      await b.subscribe("broadcast", (m) => seen.push(m));
      await a.publish("broadcast", { seq: 1, frame: "from another cluster" });
      // Then one that b does get: Redis forwards in the order it was told, so a's would have
      // arrived first.
      await sameCluster.publish("broadcast", { seq: 2, frame: "from b's cluster" });
      await until(() => seen.length > 0, "b's own cluster's broadcast");
      expect(seen).toEqual([{ seq: 2, frame: "from b's cluster" }]);
    });

    it("subscribes a channel in Redis while it has local handlers, and no longer", async () => {
      const keyPrefix = freshPrefix();
      const counted = await node({ keyPrefix });
      const probe = new Redis(redis.url);
      const subscribers = async (): Promise<unknown> =>
        (await probe.pubsub("NUMSUB", `${keyPrefix}t`))[1];
      try {
        const seen: number[] = [];
        const first = await counted.subscribe("t", () => undefined);
        const second = await counted.subscribe("t", (m) => seen.push(m.seq));
        expect(await subscribers()).toBe(1);
        first();
        // Still subscribed in Redis: a message published after it comes through to the other.
        await counted.publish("t", { seq: 1, frame: "x" });
        await until(() => seen.length === 1, "the other handler's message");
        expect(await subscribers()).toBe(1);
        second();
        await until(async () => (await subscribers()) === 0, "no subscriber left in Redis");
      } finally {
        probe.disconnect();
      }
    });

    it("reports a message on its channel that is not in its encoding", async () => {
      const keyPrefix = freshPrefix();
      const errors: Array<{ error: unknown; topic: string }> = [];
      const broker = await node({
        keyPrefix,
        onHandlerError: (error, topic) => errors.push({ error, topic }),
      });
      const seen: BrokerMessage[] = [];
      await broker.subscribe("t", (m) => seen.push(m));
      const stranger = new Redis(redis.url);
      try {
        await stranger.publish(`${keyPrefix}t`, "not a broker message");
      } finally {
        stranger.disconnect();
      }
      await until(() => errors.length > 0, "the error report");
      await broker.publish("t", { seq: 1, frame: "after" });
      await until(() => seen.length > 0, "the message after it");
      expect(seen).toEqual([{ seq: 1, frame: "after" }]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.topic).toBe("t");
    });

    it("rejects at once, without queuing, while Redis accepts the connection but does not answer", async () => {
      let connections = 0;
      let bothConnected: () => void = () => undefined;
      const connected = new Promise<void>((resolve) => {
        bothConnected = resolve;
      });
      // Its publisher's and its subscriber's connections are accepted, and never answered.
      const silent = createServer(() => {
        if (++connections === 2) bothConnected();
      });
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as AddressInfo;
      const broker = new RedisBroker({
        connect: redisClients(`redis://127.0.0.1:${port}`).connect,
        keyPrefix: freshPrefix(),
        onHandlerError: () => undefined,
      });
      try {
        await connected;
        const started = performance.now();
        await expect(broker.publish("t", { seq: 1, frame: "x" })).rejects.toThrow();
        await expect(broker.subscribe("t", () => undefined)).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(500);
        expect(broker.status).toBe("down");
      } finally {
        await broker.close();
        silent.close();
      }
    });

    it("survives a restart of Redis: fails fast while it is down, then delivers without a new subscribe", async () => {
      const keyPrefix = freshPrefix();
      const statuses: RedisBrokerStatus[] = [];
      const listener = await node({ keyPrefix, onStatus: (status) => statuses.push(status) });
      const publisher = await node({ keyPrefix });
      const seen: number[] = [];
      await listener.subscribe("mailbox:bob", (m) => seen.push(m.seq));
      await publisher.publish("mailbox:bob", { seq: 1, frame: "before" });

      await redis.stop();
      try {
        await vi.waitFor(() => expect(listener.status).toBe("down"), { timeout: 5_000 });
        await vi.waitFor(() => expect(publisher.status).toBe("down"), { timeout: 5_000 });
        const started = performance.now();
        await expect(publisher.publish("mailbox:bob", { seq: 2, frame: "lost" })).rejects.toThrow();
        await expect(listener.subscribe("mailbox:alice", () => undefined)).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(2_000);
      } finally {
        await redis.restart();
      }

      await Promise.all([listener.whenReady(), publisher.whenReady()]);
      await publisher.publish("mailbox:bob", { seq: 3, frame: "after" });
      await vi.waitFor(() => expect(seen).toEqual([1, 3]), { timeout: 2_000 });
      expect(statuses).toEqual(["ready", "down", "ready"]);
    });
  });
});
