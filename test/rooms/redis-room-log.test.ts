import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRoomLog } from "../../src/server/rooms/redis-room-log.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { roomLogContract } from "./room-log.contract.js";

describeWith("redis-server", "RedisRoomLog on a real redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  roomLogContract("RedisRoomLog", async () => {
    const log = new RedisRoomLog({
      connect: redisClients(redis.url).connect,
      keyPrefix: `t${randomUUID()}:`,
      idleTtlMs: 60_000,
    });
    await log.whenReady();
    return log;
  });

  describe("RedisRoomLog while Redis is away", () => {
    it("refuses an append at once, without queueing it, and numbers on after Redis is back", async () => {
      const clients = redisClients(redis.url);
      const log = new RedisRoomLog({
        connect: clients.connect,
        keyPrefix: `t${randomUUID()}:`,
        idleTtlMs: 60_000,
      });
      const message = { id: randomUUID(), room: "lobby", from: "alice", ts: 1000, body: {} };
      try {
        await log.whenReady();
        expect((await log.append(message, 10)).seq).toBe(1);
        await redis.stop();
        try {
          const started = performance.now();
          await expect(log.append(message, 10)).rejects.toThrow();
          expect(performance.now() - started).toBeLessThan(1000);
        } finally {
          await redis.restart();
        }
        await log.whenReady();
        // The refused append was never sent: nothing took number 2.
        expect((await log.append(message, 10)).seq).toBe(2);
      } finally {
        await log.close();
      }
    });
  });
});
