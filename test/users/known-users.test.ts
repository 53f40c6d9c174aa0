import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisKnownUsers } from "../../src/server/users/redis-known-users.js";
import { SqliteKnownUsers } from "../../src/server/users/sqlite-known-users.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";

describe("SqliteKnownUsers", () => {
  it("remembers who connected across a reopen, in a file only the server's user can read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-known-"));
    const file = join(dir, "data", "known-users.db");
    try {
      const first = new SqliteKnownUsers(file);
      first.remember("alice");
      first.remember("alice");
      expect(first.has("alice")).toBe(true);
      expect(first.has("bob")).toBe(false);
      await first.close();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, "data"))).mode & 0o777).toBe(0o700);
      const again = new SqliteKnownUsers(file);
      expect(again.has("alice")).toBe(true);
      expect(again.has("bob")).toBe(false);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeWith("redis-server", "RedisKnownUsers on a real redis-server", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it("tells every node of a network about a user who connected to one of them", async () => {
    const keyPrefix = `t${randomUUID()}:`;
    const one = new RedisKnownUsers({ connect: redisClients(redis.url).connect, keyPrefix });
    const two = new RedisKnownUsers({ connect: redisClients(redis.url).connect, keyPrefix });
    try {
      await Promise.all([one.whenReady(), two.whenReady()]);
      expect(await two.has("alice")).toBe(false);
      one.remember("alice");
      await until(async () => (await two.has("alice")) === true);
      expect(await two.has("bob")).toBe(false);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
