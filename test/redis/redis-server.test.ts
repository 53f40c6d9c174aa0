import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";

describeWith("redis-server", "the test redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it("keeps what was written across a SIGKILL and a restart (AOF, fsync always)", async () => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set("k", "v");
    client.disconnect();
    await redis.stop("SIGKILL");
    await redis.restart();
    const again = new Redis(redis.url);
    expect(await again.get("k")).toBe("v");
    again.disconnect();
  });
});
