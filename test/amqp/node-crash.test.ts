import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api } from "../api/api-client.js";
import { type ChildServer, startCli } from "../support/child-server.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import { openClient, type TestClient } from "./bridge-fixture.js";

const READER = "reader-key-0123456789abcdef";

describeWith("rabbitmq-server", "a node with the AMQP bridge, SIGKILLed mid-stream", () => {
  let rabbit: TestRabbit;
  let client: TestClient;
  let dir: string;
  const running: ChildServer[] = [];

  beforeAll(async () => {
    rabbit = await startRabbit();
    client = await openClient(rabbit.url);
    dir = await mkdtemp(join(tmpdir(), "postoffice-node-crash-"));
  }, 90_000);
  afterAll(async () => {
    for (const server of running) if (server.child.exitCode === null) server.child.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await rabbit?.destroy();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const config = () => ({
    server: { dataDir: join(dir, "data") },
    amqp: { url: rabbit.url, service: "orders", mailQueue: "node-crash" },
    api: { keys: [{ key: READER, name: "support", scopes: ["read"] }] },
    mailbox: { maxMessages: 10_000 },
  });

  const accepted = async (port: number): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("postoffice_amqp_mail_accepted_total "));
    return Number(line?.split(" ")[1] ?? 0);
  };

  it("keeps every mail it accepted and takes the rest after a restart, each once (by id)", async () => {
    const total = 1000;
    await client.channel.assertQueue("node-crash", { durable: true });
    for (let n = 0; n < total; n += 1) {
      const mail = { to: "bob", data: { n }, id: `m-${n}` };
      client.channel.sendToQueue("node-crash", Buffer.from(JSON.stringify(mail)), {
        persistent: true,
      });
    }
    await client.channel.waitForConfirms();

    const first = await startCli({ cwd: dir, config: config() });
    running.push(first.server);
    await until(async () => (await accepted(first.port)) >= 100, "a hundred accepted", 30_000);
    const exited = first.server.exited;
    first.server.child.kill("SIGKILL");
    await exited;

    const second = await startCli({ cwd: dir, config: config() });
    running.push(second.server);
    const httpUrl = `http://127.0.0.1:${second.port}`;
    const mailbox = async () =>
      (await api(httpUrl, "GET", "/api/v1/users/bob/mailbox?limit=1000", { key: READER })).body as {
        position: { last: number };
        entries: Array<{ id: string; body: { n: number } }>;
      };
    // Awaited by the entries, not by `position.last`: the position counts mail as soon as its
    // group commit is written, the entries show it once its WAL sync has returned, so a read
    // between the two (a slow fsync on a busy machine) sees fewer entries than the position
    // says (intake-dedup.test.ts shows that window). Redelivered mail is at the head of the
    // queue, so a repeat would be in the mailbox before the last mail is.
    await until(async () => (await mailbox()).entries.length >= total, "every mail kept", 60_000);
    await until(async () => (await client.ready("node-crash")) === 0, "the queue empty");
    const { position, entries } = await mailbox();
    // Each mail once: a message redelivered after the kill landed on its first acceptance.
    expect(position.last).toBe(total);
    expect(new Set(entries.map((entry) => entry.body.n)).size).toBe(total);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(total);
    const stopped = second.server.exited;
    second.server.child.kill("SIGTERM");
    expect((await stopped).code).toBe(0);
  }, 150_000);
});
