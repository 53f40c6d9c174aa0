import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { redisAofIntegrity } from "./integrity.js";
import { ManagedProcess } from "./managed-process.js";
import { postofficeNode } from "./postoffice-node.js";
import type { SeededRandom } from "./seeded-random.js";
import { sleep } from "./sleep.js";
import type { FaultKind, Timings, Topology } from "./topology.js";

interface NetworkNode {
  process: ManagedProcess;
  port: number;
}

/**
 * Two nodes sharing one redis-server (AOF, `appendfsync always`: "on disk before accepted",
 * docs/operations.md), each node and Redis killed or paused in turn.
 */
export class RedisNetwork implements Topology {
  readonly name = "redis";
  readonly faults = {
    kill: 30,
    kill_redis: 25,
    pause_redis: 15,
    pause: 10,
    kill_starting: 5,
    slow_reader: 5,
  };
  readonly timings: Timings = { restarts: [], recoveries: {}, integrity: [], integrityChecks: 0 };
  private dir = "";
  private redis: ManagedProcess | undefined;
  private readonly nodes: NetworkNode[] = [];

  constructor(private readonly cli: string) {}

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "postoffice-chaos-redis-"));
    const redisPort = await freePort();
    const redisDir = join(this.dir, "redis");
    await mkdir(redisDir);
    this.redis = new ManagedProcess({
      name: "redis-server",
      command: "redis-server",
      args: [
        "--port",
        String(redisPort),
        "--bind",
        "127.0.0.1",
        "--dir",
        redisDir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--protected-mode",
        "yes",
      ],
      cwd: redisDir,
      env: { PATH: process.env.PATH ?? "" },
      isReady: (line) => line.includes("Ready to accept connections"),
    });
    await this.redis.start();
    for (const name of ["A", "B"]) {
      const port = await freePort();
      const node = postofficeNode({
        name: `postoffice ${name}`,
        cli: this.cli,
        dir: join(this.dir, `node-${name}`),
        port,
        config: { mailbox: { store: "redis", maxMessages: 10_000_000 } },
        env: { POSTOFFICE_REDIS_URL: `redis://127.0.0.1:${redisPort}` },
      });
      this.nodes.push({ process: node, port });
      this.timings.restarts.push(await node.start());
    }
  }

  httpUrls(): string[] {
    return this.nodes.map((node) => `http://127.0.0.1:${node.port}`);
  }

  url(rng: SeededRandom): string {
    return `ws://127.0.0.1:${rng.pick(this.nodes).port}/ws`;
  }

  async inject(kind: FaultKind, rng: SeededRandom): Promise<void> {
    const redis = this.requiredRedis();
    switch (kind) {
      case "kill":
      case "kill_starting": {
        const node = rng.pick(this.nodes).process;
        await node.signal("SIGKILL");
        if (kind === "kill_starting") {
          const starting = node.spawn();
          await Promise.race([starting, sleep(rng.int(0, 400))]);
          await node.signal("SIGKILL");
        }
        this.timings.restarts.push(await node.start());
        return;
      }
      case "pause": {
        const node = rng.pick(this.nodes).process;
        await node.signal("SIGSTOP");
        await sleep(rng.int(100, 1500));
        await node.signal("SIGCONT");
        return;
      }
      case "kill_redis":
        await redis.signal("SIGKILL");
        await sleep(rng.int(0, 300));
        await redis.start();
        await this.awaitReady(kind);
        return;
      case "pause_redis":
        await redis.signal("SIGSTOP");
        await sleep(rng.int(100, 2000));
        await redis.signal("SIGCONT");
        await this.awaitReady(kind);
        return;
      case "slow_reader":
        throw new Error("slow_reader is the run's fault");
    }
  }

  async stop(): Promise<string[]> {
    const exits: string[] = [];
    for (const node of this.nodes) {
      await node.process.signal("SIGTERM");
      const exit = await node.process.waitForExit(15_000);
      exits.push(
        exit === "timeout" ? "did not exit within 15 s" : `exit ${exit.code ?? exit.signal}`,
      );
    }
    await this.redis?.signal("SIGTERM");
    return exits;
  }

  async finalIntegrity(): Promise<string> {
    this.timings.integrityChecks += 1;
    const result = await redisAofIntegrity(join(this.dir, "redis"));
    if (!result.startsWith("ok")) this.timings.integrity.push(result);
    return result;
  }

  async destroy(): Promise<void> {
    for (const running of [...this.nodes.map((n) => n.process), this.redis]) {
      if (!running?.running) continue;
      await running.signal("SIGCONT");
      await running.signal("SIGKILL");
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Every node answers /ready 200 again (it can reach Redis); the time it took is a recovery. */
  private async awaitReady(kind: FaultKind): Promise<void> {
    const started = performance.now();
    const deadline = Date.now() + 20_000;
    for (const { port } of this.nodes) {
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline)
          throw new Error(`node on port ${port} not ready after a Redis fault`);
        await sleep(20);
      }
    }
    const list = this.timings.recoveries[kind] ?? [];
    list.push(performance.now() - started);
    this.timings.recoveries[kind] = list;
  }

  private requiredRedis(): ManagedProcess {
    if (!this.redis) throw new Error("not started");
    return this.redis;
  }
}
