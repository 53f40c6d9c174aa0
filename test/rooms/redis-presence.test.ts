import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisPresence, type RedisPresenceOptions } from "../../src/server/rooms/redis-presence.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { presenceContract } from "./presence.contract.js";

describeWith("redis-server", "RedisPresence on a real redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  // Each test gets its own keys; every instance is closed after its test.
  let tests = 0;
  const freshPrefix = (): string => `po${++tests}:`;
  const open: RedisPresence[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((presence) => presence.close()));
  });

  async function startPresence(
    options: Partial<RedisPresenceOptions> = {},
  ): Promise<RedisPresence> {
    const presence = new RedisPresence({
      connect: redisClients(redis.url).connect,
      keyPrefix: freshPrefix(),
      ...options,
    });
    open.push(presence);
    await presence.whenReady();
    return presence;
  }

  presenceContract("RedisPresence", () => startPresence());

  describe("RedisPresence across nodes and time", () => {
    const TTL = 1_000;
    let now = 1_700_000_000_000;
    const clock = () => now;

    it("shares one room's presence between two nodes", async () => {
      const keyPrefix = freshPrefix();
      const a = await startPresence({ keyPrefix });
      const b = await startPresence({ keyPrefix });
      expect(await a.join("lobby", "bob", "phone")).toBe(true);
      expect(await b.join("lobby", "bob", "laptop")).toBe(false);
      expect(await b.join("lobby", "alice", "a1")).toBe(true);
      expect((await a.members("lobby")).sort()).toEqual(["alice", "bob"]);
      expect(await a.sessionCount("lobby")).toBe(3);
      expect(await a.leave("lobby", "bob", "phone")).toBe(false);
      expect(await b.leave("lobby", "bob", "laptop")).toBe(true);
      expect(await a.members("lobby")).toEqual(["alice"]);
    });

    it("forgets the sessions of a node that died without leaving, once they expire", async () => {
      const keyPrefix = freshPrefix();
      const dying = await startPresence({ keyPrefix, ttlMs: TTL, clock });
      const survivor = await startPresence({ keyPrefix, ttlMs: TTL, clock });
      await dying.join("lobby", "bob", "phone");
      await survivor.join("lobby", "alice", "a1");
      await dying.close();
      now += TTL / 2;
      await survivor.refresh([{ room: "lobby", userId: "alice", sessionId: "a1" }]);
      expect((await survivor.members("lobby")).sort()).toEqual(["alice", "bob"]);
      now += TTL / 2;
      expect(await survivor.members("lobby")).toEqual(["alice"]);
      expect(await survivor.sessionCount("lobby")).toBe(1);
      expect(await survivor.leave("lobby", "bob", "phone")).toBe(false);
      expect(await survivor.join("lobby", "bob", "laptop")).toBe(true);
    });

    it("keeps refreshed sessions alive past their first expiry", async () => {
      const presence = await startPresence({ ttlMs: TTL, clock });
      await presence.join("lobby", "bob", "phone");
      await presence.join("lobby", "bob", "laptop");
      await presence.join("kitchen", "carol", "c1");
      for (let round = 0; round < 5; round++) {
        now += TTL / 3;
        await presence.refresh([
          { room: "lobby", userId: "bob", sessionId: "phone" },
          { room: "kitchen", userId: "carol", sessionId: "c1" },
        ]);
      }
      expect(await presence.members("lobby")).toEqual(["bob"]);
      expect(await presence.sessionCount("lobby")).toBe(1);
      expect(await presence.members("kitchen")).toEqual(["carol"]);
      expect(await presence.leave("lobby", "bob", "phone")).toBe(true);
    });

    it("lets the whole room key expire in Redis too, in case every node is gone", async () => {
      const keyPrefix = freshPrefix();
      const presence = await startPresence({ keyPrefix, ttlMs: 30_000 });
      await presence.join("lobby", "bob", "phone");
      const probe = new Redis(redis.url);
      try {
        const ttl = await probe.pttl(`${keyPrefix}presence:lobby`);
        expect(ttl).toBeGreaterThan(25_000);
        expect(ttl).toBeLessThanOrEqual(30_000);
      } finally {
        probe.disconnect();
      }
    });
  });
});
