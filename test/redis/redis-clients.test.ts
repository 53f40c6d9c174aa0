import { createServer } from "node:net";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RedisClients, RedisMetrics } from "../../src/server/compose/redis-clients.js";
import { redisClients } from "../support/redis-clients.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";

/** What the connections told the metrics. */
class CountedMetrics implements RedisMetrics {
  readonly errors = new Map<string, number>();
  readonly up = new Map<string, boolean>();
  redisConnectionError(connection: string): void {
    this.errors.set(connection, (this.errors.get(connection) ?? 0) + 1);
  }
  redisConnectionUp(connection: string, up: boolean): void {
    this.up.set(connection, up);
  }
}

/** A port on loopback where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("the Redis connections of a node (one factory, one policy)", () => {
  let redis: TestRedis;
  const made: RedisClients[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  afterEach(async () => {
    redis.resume();
    await Promise.all(made.splice(0).map((clients) => clients.close()));
  });
  const clientsFor = (...options: Parameters<typeof redisClients>): RedisClients => {
    const clients = redisClients(...options);
    made.push(clients);
    return clients;
  };

  it("is up only once every connection is connected and prepared", async () => {
    const clients = clientsFor(redis.url);
    const seen: boolean[] = [];
    clients.onChange((up) => seen.push(up));
    let release: () => void = () => undefined;
    const prepared = new Promise<void>((resolve) => {
      release = resolve;
    });
    let preparing: () => void = () => undefined;
    const began = new Promise<void>((resolve) => {
      preparing = resolve;
    });
    const plain = clients.connect({ name: "plain" });
    const slow = clients.connect({
      name: "slow",
      prepare: () => {
        preparing();
        return prepared;
      },
    });
    await Promise.all([plain.whenUp(), began]);
    expect(slow.redis.status).toBe("ready");
    expect(slow.up).toBe(false);
    expect(clients.up).toBe(false);
    release();
    await clients.whenUp();
    expect(clients.status()).toEqual([
      { name: "plain", up: true },
      { name: "slow", up: true },
    ]);
    expect(seen).toEqual([true]);
  });

  it("counts a failed prepare, and prepares a new connection until it succeeds", async () => {
    const metrics = new CountedMetrics();
    const clients = clientsFor(redis.url, { metrics });
    let attempts = 0;
    const connection = clients.connect({
      name: "flaky",
      prepare: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("not yet");
      },
    });
    await connection.whenUp();
    expect(attempts).toBe(2);
    expect(metrics.errors.get("flaky")).toBe(1);
    expect(metrics.up.get("flaky")).toBe(true);
  });

  it("rejects a command at once while not connected, rather than queueing it", async () => {
    const port = await closedPort();
    const clients = clientsFor(`redis://127.0.0.1:${port}`);
    const connection = clients.connect({ name: "nowhere" });
    const started = performance.now();
    await expect(connection.redis.get("k")).rejects.toThrow(/enableOfflineQueue/);
    expect(performance.now() - started).toBeLessThan(500);
    expect(connection.up).toBe(false);
  });

  it("never sends a command again after its connection dropped (it may have run)", async () => {
    const clients = clientsFor(redis.url);
    const connection = clients.connect({ name: "blocked" });
    await connection.whenUp();
    const key = `blocked:${Date.now()}`;
    const id = await connection.redis.client("ID");
    const waiting = connection.redis.blpop(key, 0);
    // Handled from now on: the killed connection's close may be read before the KILL's answer.
    const refused = expect(waiting).rejects.toThrow();
    const probe = new Redis(redis.url);
    try {
      await vi.waitFor(async () =>
        expect(String(await probe.client("LIST"))).toMatch(new RegExp(`id=${id} .*cmd=blpop`)),
      );
      await probe.client("KILL", "ID", String(id));
      await refused;
      await connection.whenUp();
      await connection.redis.ping();
      await probe.lpush(key, "kept");
      // Had the BLPOP been sent again on the new connection, it would have taken the value.
      expect(await probe.lrange(key, 0, -1)).toEqual(["kept"]);
    } finally {
      probe.disconnect();
    }
  });

  it("goes down while Redis is paused (SIGSTOP) within the health deadline, and up once it answers again", async () => {
    const metrics = new CountedMetrics();
    const clients = clientsFor(redis.url, { metrics, healthIntervalMs: 100, healthTimeoutMs: 300 });
    const connection = clients.connect({ name: "watched" });
    await clients.whenUp();
    const changes: boolean[] = [];
    clients.onChange((up) => changes.push(up));
    redis.pause();
    await vi.waitFor(() => expect(changes).toEqual([false]), { timeout: 2000 });
    expect(connection.redis.status).toBe("ready");
    expect(metrics.up.get("watched")).toBe(false);
    expect(metrics.errors.get("watched")).toBe(1);
    redis.resume();
    await vi.waitFor(() => expect(changes).toEqual([false, true]), { timeout: 5000 });
    expect(connection.up).toBe(true);
  });

  it("logs connection failures at most once per interval, and counts every one", async () => {
    const lines: Array<{ msg: string; redis?: string; suppressedSinceLast?: number }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const metrics = new CountedMetrics();
    const port = await closedPort();
    const clients = clientsFor(`redis://127.0.0.1:${port}`, {
      log: pino({ level: "warn" }, sink),
      metrics,
    });
    clients.connect({ name: "refused" });
    // Attempts after 0, ~100 and ~200 ms (and on): each one fails.
    await vi.waitFor(() => expect(metrics.errors.get("refused")).toBeGreaterThanOrEqual(3), {
      timeout: 5000,
    });
    const failures = lines.filter((line) => line.msg === "redis connection failed; retrying");
    expect(failures).toHaveLength(1);
    expect(failures[0]?.redis).toBe("refused");
  });
});
