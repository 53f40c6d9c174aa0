import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RedisRateLimitStore } from "../../src/server/events/redis-rate-limit-store.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { rateLimitStoreContract } from "./rate-limit-store.contract.js";

describeWith("redis-server", "RedisRateLimitStore on a real redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  // Each test gets its own keys; every store is closed after its test.
  let tests = 0;
  const open: RedisRateLimitStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  async function startStore(keyPrefix: string): Promise<RedisRateLimitStore> {
    const store = new RedisRateLimitStore({ connect: redisClients(redis.url).connect, keyPrefix });
    open.push(store);
    await store.whenReady();
    return store;
  }

  // Redis keeps time itself: the windows close on its clock, so the test waits for real.
  rateLimitStoreContract(async () => ({
    store: await startStore(`rl${++tests}:`),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 20)),
  }));

  it("counts hits from two nodes against one window", async () => {
    const keyPrefix = `rl${++tests}:`;
    const a = await startStore(keyPrefix);
    const b = await startStore(keyPrefix);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).hit("chat\u0000alice", 4, 60_000)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(4);
    const refused = await b.hit("chat\u0000alice", 4, 60_000);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(59_000);
  });
});
