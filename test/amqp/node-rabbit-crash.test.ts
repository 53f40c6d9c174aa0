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
const PUBLISHER = "publisher-key-0123456789abcdef";
const MAIL_QUEUE = "rabbit-crash-mail";
const EXCHANGE = "rabbit-crash-events";
/** A backend's durable queue of the node's mail.accepted events. */
const EVENTS_QUEUE = "rabbit-crash-accepted";

interface MailboxPage {
  position: { last: number };
  entries: Array<{ seq: number; id: string; body: { n: string } }>;
  next: number | null;
}

describeWith("rabbitmq-server", "a running node whose RabbitMQ is SIGKILLed mid-stream", () => {
  let rabbit: TestRabbit;
  let client: TestClient;
  let dir: string;
  let node: ChildServer | undefined;

  beforeAll(async () => {
    rabbit = await startRabbit();
    dir = await mkdtemp(join(tmpdir(), "postoffice-rabbit-crash-"));
  }, 90_000);
  afterAll(async () => {
    if (node?.child.exitCode === null) node.child.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await rabbit?.destroy();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("stores every confirmed mail once, publishes every accepted mail's event in order, and says down then up on /ready", async () => {
    const started = await startCli({
      cwd: dir,
      config: {
        server: { dataDir: join(dir, "data") },
        amqp: { url: rabbit.url, service: "orders", mailQueue: MAIL_QUEUE, exchange: EXCHANGE },
        api: {
          keys: [
            { key: READER, name: "support", scopes: ["read"] },
            { key: PUBLISHER, name: "billing", scopes: ["publish"] },
          ],
        },
        mailbox: { maxMessages: 10_000 },
      },
    });
    node = started.server;
    const httpUrl = `http://127.0.0.1:${started.port}`;
    const amqpState = async (): Promise<string | undefined> =>
      ((await (await fetch(`${httpUrl}/ready`)).json()) as { amqp?: string }).amqp;
    await until(async () => (await amqpState()) === "up", "the bridge up", 30_000);

    // The backend's side: its events queue, bound; then a clean restart, so that RabbitMQ
    // has written down the queues and the binding before it is killed (rabbitmq-server.ts).
    client = await openClient(rabbit.url);
    await client.channel.assertQueue(EVENTS_QUEUE, { durable: true });
    await client.channel.bindQueue(EVENTS_QUEUE, EXCHANGE, "mail.accepted.#");
    await client.close();
    await rabbit.settle();
    client = await openClient(rabbit.url);
    await until(async () => (await amqpState()) === "up", "the bridge up again", 60_000);

    // In: a thousand mails queued with publisher confirms, with ids.
    const queued = 1000;
    for (let n = 0; n < queued; n += 1) {
      const mail = { to: "bob", data: { n: `q-${n}` }, id: `q-${n}` };
      client.channel.sendToQueue(MAIL_QUEUE, Buffer.from(JSON.stringify(mail)), {
        persistent: true,
      });
    }
    await client.channel.waitForConfirms();
    const taken = async (): Promise<number> => {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      const line = text
        .split("\n")
        .find((l) => l.startsWith("postoffice_amqp_mail_accepted_total "));
      return Number(line?.split(" ")[1] ?? 0);
    };
    await until(async () => (await taken()) >= 100, "a hundred taken", 30_000);

    await rabbit.stop("SIGKILL");
    const atKill = await taken();
    await until(async () => (await amqpState()) === "down", "/ready says the bridge is down");
    // Mail through the HTTP API meanwhile: its events wait in the outbox.
    const direct = 50;
    for (let n = 0; n < direct; n += 1) {
      const answer = await api(httpUrl, "POST", "/api/v1/publish", {
        key: PUBLISHER,
        body: { to: "bob", data: { n: `h-${n}` }, id: `h-${n}` },
      });
      expect(answer.status).toBe(202);
    }
    const stats = async () =>
      (
        (await (
          await fetch(`${httpUrl}/api/stats`, { headers: { "X-API-Key": READER } })
        ).json()) as {
          amqp: { eventsWaiting: number; eventsDropped: number };
        }
      ).amqp;
    expect((await stats()).eventsWaiting).toBeGreaterThanOrEqual(direct);

    await rabbit.restart();
    client = await openClient(rabbit.url);
    await until(async () => (await amqpState()) === "up", "/ready says the bridge is up", 60_000);

    const total = queued + direct;
    const mailbox = async (): Promise<MailboxPage["entries"]> => {
      const entries: MailboxPage["entries"] = [];
      for (let after = 0; ; ) {
        const page = (
          await api(httpUrl, "GET", `/api/v1/users/bob/mailbox?after=${after}&limit=1000`, {
            key: READER,
          })
        ).body as MailboxPage;
        entries.push(...page.entries);
        if (page.next === null) return entries;
        after = page.next;
      }
    };
    await until(async () => (await mailbox()).length >= total, "every mail kept", 60_000);
    await until(async () => (await client.ready(MAIL_QUEUE)) === 0, "the mail queue empty");
    await until(async () => (await stats()).eventsWaiting === 0, "the outbox drained", 30_000);

    // Every mail once (acks RabbitMQ lost with its crash bring mail back: its id stops it).
    const entries = await mailbox();
    const names = entries.map((entry) => entry.body.n);
    expect(entries).toHaveLength(total);
    expect(new Set(names).size).toBe(total);
    expect(new Set(names)).toEqual(
      new Set([
        ...Array.from({ length: queued }, (_, n) => `q-${n}`),
        ...Array.from({ length: direct }, (_, n) => `h-${n}`),
      ]),
    );

    // Out: each stored mail's mail.accepted, first occurrences in the order of the mailbox.
    const events = await client.drain(EVENTS_QUEUE);
    const seen = new Set<string>();
    const firsts: Array<{ id: string; seq: number }> = [];
    for (const message of events) {
      const id = String(message.properties.messageId);
      if (seen.has(id)) continue;
      seen.add(id);
      firsts.push(JSON.parse(String(message.content)) as { id: string; seq: number });
    }
    expect(firsts.map((event) => event.seq)).toEqual(entries.map((entry) => entry.seq));
    expect(firsts.map((event) => event.id)).toEqual(entries.map((entry) => entry.id));
    expect((await stats()).eventsDropped).toBe(0);
    console.log(
      `RabbitMQ killed after ${atKill} taken; ${total} mails stored once; ${events.length} events for ${firsts.length} mails (${events.length - firsts.length} repeats)`,
    );

    const stopped = node.exited;
    node.child.kill("SIGTERM");
    expect((await stopped).code).toBe(0);
  }, 240_000);
});
