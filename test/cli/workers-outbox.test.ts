import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openClient, type TestClient } from "../amqp/bridge-fixture.js";
import { api } from "../api/api-client.js";
import { type ChildServer, startCli, waitForLog } from "../support/child-server.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";

const PUBLISHER = "publisher-key-0123456789abcdef";
const EXCHANGE = "workers-events";
const EVENTS_QUEUE = "workers-accepted";
const WORKERS = 2;

describeWith("redis-server", "--workers N and the AMQP outbox", () => {
  describeWith("rabbitmq-server", "a worker SIGKILLed with events in its outbox", () => {
    let redis: TestRedis;
    let rabbit: TestRabbit;
    let client: TestClient | undefined;
    let dir: string;
    let primary: ChildServer | undefined;

    beforeAll(async () => {
      [redis, rabbit] = await Promise.all([startRedis(), startRabbit()]);
      dir = await mkdtemp(join(tmpdir(), "postoffice-workers-outbox-"));
    }, 90_000);
    afterAll(async () => {
      if (primary?.child.exitCode === null) primary.child.kill("SIGKILL");
      await client?.close().catch(() => undefined);
      await Promise.all([rabbit?.destroy(), redis?.destroy()]);
      await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it("has its successor, forked in its slot, publish what it left once RabbitMQ is back", async () => {
      // The backend's durable queue of accepted mail, bound before the node runs.
      client = await openClient(rabbit.url);
      await client.channel.assertExchange(EXCHANGE, "topic", { durable: true });
      await client.channel.assertQueue(EVENTS_QUEUE, { durable: true });
      await client.channel.bindQueue(EVENTS_QUEUE, EXCHANGE, "mail.accepted.#");
      await client.close();
      client = undefined;
      const dataDir = join(dir, "data");
      const started = await startCli({
        cwd: dir,
        config: {
          server: { dataDir },
          redis: { url: redis.url },
          mailbox: { store: "redis" },
          amqp: { url: rabbit.url, service: "orders", exchange: EXCHANGE },
          api: { keys: [{ key: PUBLISHER, name: "billing", scopes: ["publish"] }] },
        },
        args: ["--workers", String(WORKERS)],
      });
      primary = started.server;
      const ready = await Promise.all(
        Array.from({ length: WORKERS }, (_, i) =>
          waitForLog(started.server, "postoffice is ready", 15_000, i + 1),
        ),
      );
      const pids = ready.map((line) => Number(line.pid));
      await until(
        () =>
          started.server.logs.filter((line) => line.msg === "AMQP bridge connected to RabbitMQ")
            .length >= WORKERS,
        "every worker's bridge up",
        30_000,
      );

      // RabbitMQ away: mail accepted now leaves its events in the outbox of the worker that
      // took it (the cluster hands connections to the workers in turn).
      await rabbit.stop("SIGTERM");
      const total = 20;
      const httpUrl = `http://127.0.0.1:${started.port}`;
      for (let n = 0; n < total; n += 1) {
        const answer = await api(httpUrl, "POST", "/api/v1/publish", {
          key: PUBLISHER,
          body: { to: `user${n}`, data: { n }, id: `w-${n}` },
          headers: { Connection: "close" },
        });
        expect(answer.status).toBe(202);
      }
      // Every worker SIGKILLed, events and all; the primary forks their successors.
      for (const pid of pids) process.kill(pid, "SIGKILL");
      await waitForLog(started.server, "postoffice is ready", 30_000, 2 * WORKERS);
      const died = started.server.logs.filter((line) => line.msg === "worker died; restarting");
      expect(died.map((line) => line.slot).sort()).toEqual([1, 2]);

      await rabbit.restart();
      client = await openClient(rabbit.url);
      const accepted = new Set<string>();
      await until(
        async () => {
          for (const message of await (client as TestClient).drain(EVENTS_QUEUE)) {
            accepted.add((JSON.parse(String(message.content)) as { to: string }).to);
          }
          return accepted.size >= total;
        },
        "every accepted mail's event",
        60_000,
        200,
      );
      expect(accepted).toEqual(new Set(Array.from({ length: total }, (_, n) => `user${n}`)));
      // One outbox per slot, none left behind under a dead worker's id.
      const outboxes = (await readdir(dataDir)).filter((name) => name.startsWith("amqp-worker-"));
      expect(outboxes.sort()).toEqual(["amqp-worker-1", "amqp-worker-2"]);

      const stopped = started.server.exited;
      started.server.child.kill("SIGTERM");
      expect((await stopped).code).toBe(0);
    }, 180_000);
  });
});
