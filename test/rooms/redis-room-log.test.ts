import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RedisRoomLog } from "../../src/server/rooms/redis-room-log.js";
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

  roomLogContract(
    "RedisRoomLog",
    async () =>
      new RedisRoomLog({ url: redis.url, keyPrefix: `t${randomUUID()}:`, idleTtlMs: 60_000 }),
  );
});
