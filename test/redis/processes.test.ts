import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type ChildServer, startCli, waitForLog } from "../support/child-server.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { NO_RATE_LIMITS } from "../support/test-server.js";

describeWith("redis-server", "nodes as processes on one Redis", () => {
  let redis: TestRedis;
  let dir: string;
  const running: ChildServer[] = [];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const child of running.splice(0)) child.child.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const start = async (
    args: string[] = [],
  ): Promise<{ server: ChildServer; url: string; port: number }> => {
    dir ??= await mkdtemp(join(tmpdir(), "postoffice-net-"));
    const started = await startCli({
      cwd: dir,
      config: {
        mailbox: { store: "redis" },
        limits: NO_RATE_LIMITS,
        server: { shutdown: { reconnectWindowMs: 100 } },
      },
      env: { POSTOFFICE_REDIS_URL: redis.url },
      args,
    });
    running.push(started.server);
    return started;
  };
  const on = async (url: string, user: string): Promise<TestClient> => {
    const client = await connectAs(url, await signToken({ sub: user }));
    clients.push(client);
    return client;
  };

  it("loses nothing accepted when a node is killed with SIGKILL: its users get their mail on another node", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-net-"));
    const a = await start();
    const b = await start();
    const alice = await on(a.url, "alice");
    const accepted: string[] = [];
    const total = 2000;
    const killed = new Promise<void>((resolve) => {
      alice.ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as Frame;
        if (frame.type !== "receipt" || frame.data?.status !== "accepted") return;
        accepted.push(frame.data.id as string);
        if (accepted.length === 500) {
          a.server.child.kill("SIGKILL");
          resolve();
        }
      });
    });
    const user = `bob-${randomUUID().slice(0, 8)}`;
    for (let n = 1; n <= total; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: user, n } });
    await killed;
    await a.server.exited;
    const bob = await on(b.url, user);
    const last = accepted[accepted.length - 1];
    await bob.next((f) => f.type === "message" && f.data?.id === last, 15_000);
    const got = bob.frames.filter((f) => f.type === "message").map((f) => f.data?.id as string);
    for (const id of accepted) expect(got).toContain(id);
    const seqs = bob.frames.filter((f) => f.type === "message").map((f) => f.data?.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }, 60_000);

  it("runs --workers 2 on one port: mail crosses workers, a killed worker is restarted, SIGTERM drains all", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-net-"));
    const cluster = await start(["--workers", "2"]);
    await waitForLog(cluster.server, "postoffice is ready", 15_000, 2); // each worker says it
    const nodes = new Set<string>();
    const users: TestClient[] = [];
    for (let i = 0; i < 6; i++) {
      const client = await on(cluster.url, `user${i}`);
      users.push(client);
      const welcome = client.frames.find((f) => f.type === "welcome");
      const server = welcome?.data?.server as { node: string } | undefined;
      nodes.add(server?.node ?? "missing");
    }
    expect(nodes.size).toBe(2);
    for (let i = 0; i < 6; i++) {
      users[i]?.send({ type: "message", data: { to: `user${(i + 1) % 6}`, from_index: i } });
    }
    for (const client of users) await client.nextOfType("message", 5000);

    const victim = Number([...nodes][0]?.split("-").pop());
    process.kill(victim, "SIGKILL");
    await waitForLog(cluster.server, "worker died; restarting");
    await waitForLog(cluster.server, "postoffice is ready", 15_000, 3); // the new worker's
    cluster.server.child.kill("SIGTERM");
    expect(await cluster.server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
