import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import { openClient, startBridge, type TestClient } from "./bridge-fixture.js";
import { accept, RecordingIntake } from "./recording-intake.js";

const CHILD = fileURLToPath(new URL("./fixtures/bridge-child.mjs", import.meta.url));
const BUILT = fileURLToPath(new URL("../../dist/server/amqp/amqp-bridge.js", import.meta.url));

describeWith("rabbitmq-server", "AMQP bridge, either side killed", () => {
  let rabbit: TestRabbit;
  let client: TestClient;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error("run `npm run build` first: the child runs dist/");
    dir = await mkdtemp(join(tmpdir(), "postoffice-amqp-crash-"));
    rabbit = await startRabbit();
    client = await openClient(rabbit.url);
  }, 90_000);
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await rabbit?.destroy();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** A bridge process, resolved once it is up. */
  async function startChild(queue: string, record: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CHILD, rabbit.url, queue, record, dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await until(() => output.includes("up\n"), "the bridge process to connect");
    return child;
  }

  /** The ids the intake was asked for, and those it accepted, in order, repeats included. */
  async function recorded(record: string): Promise<{ asked: string[]; accepted: string[] }> {
    const text = await readFile(record, "utf8").catch(() => "");
    const lines = text.split("\n").map((line) => line.split(" "));
    return {
      asked: lines.filter(([what]) => what === "asked").map(([, id]) => id ?? ""),
      accepted: lines.filter(([what]) => what === "accepted").map(([, id]) => id ?? ""),
    };
  }

  it("loses no mail when the bridge is SIGKILLed mid-stream: what it had not acknowledged is redelivered", async () => {
    const queue = "mail-crash";
    const record = join(dir, "accepted.txt");
    // About 800 a second go through the child's intake (16 at a time, 20 ms each): the kill
    // comes long before the end.
    const total = 1000;
    await client.channel.assertQueue(queue, { durable: true });
    for (let n = 0; n < total; n += 1) {
      const mail = { to: "ann", data: { n }, id: `m-${n}` };
      client.channel.sendToQueue(queue, Buffer.from(JSON.stringify(mail)), { persistent: true });
    }
    await client.channel.waitForConfirms();

    const first = await startChild(queue, record);
    await until(async () => (await recorded(record)).accepted.length >= 100, "a hundred accepted");
    const exited = new Promise((resolve) => first.once("exit", resolve));
    first.kill("SIGKILL");
    await exited;
    const atKill = await recorded(record);
    const inFlight = atKill.asked.filter((id) => !atKill.accepted.includes(id));

    const second = await startChild(queue, record);
    await until(
      async () => new Set((await recorded(record)).accepted).size === total,
      "every message accepted",
      30_000,
    );
    const stopped = new Promise((resolve) => second.once("exit", resolve));
    second.kill("SIGTERM");
    expect(await stopped).toBe(0);

    const { accepted } = await recorded(record);
    const ids = Array.from({ length: total }, (_, n) => `m-${n}`);
    expect(new Set(accepted)).toEqual(new Set(ids));
    expect(await client.ready(queue)).toBe(0);
    // The kill caught mail at the intake (at most the prefetch, 16), and it came back.
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.length).toBeLessThanOrEqual(16);
    for (const id of inFlight) expect(accepted).toContain(id);
    // Accepted twice: only mail accepted but not yet acknowledged when the process died.
    const twice = accepted.length - total;
    expect(twice).toBeLessThanOrEqual(16);
    console.log(
      `killed after ${atKill.accepted.length} accepted, ${inFlight.length} in flight: all redelivered; ${twice} accepted twice; none lost`,
    );
  }, 90_000);

  it("loses no mail when RabbitMQ is SIGKILLed while the bridge takes a stream: it takes the rest after the restart", async () => {
    // The intake accepts each mail 5 ms after it is asked, so that some is in flight.
    const intake: RecordingIntake = new RecordingIntake((request, call) => {
      setTimeout(() => intake.calls[call - 1]?.settle(accept(request)), 5);
      return "hold";
    });
    const running = await startBridge(rabbit.url, undefined, intake);
    try {
      const { mailQueue } = running.options;
      await until(() => running.bridge.status === "up", "the bridge to connect");
      const total = 1000;
      for (let n = 0; n < total; n += 1) {
        const mail = { to: "ann", data: { n }, id: `r-${n}` };
        client.channel.sendToQueue(mailQueue, Buffer.from(JSON.stringify(mail)), {
          persistent: true,
        });
      }
      await client.channel.waitForConfirms();
      await until(() => intake.accepted.length >= 100, "a hundred accepted");

      await rabbit.stop("SIGKILL");
      const atKill = intake.accepted.length;
      await until(() => running.bridge.status === "down", "the bridge to see RabbitMQ gone");
      await rabbit.restart();
      client = await openClient(rabbit.url);
      const ids = (): Set<string | undefined> => new Set(intake.accepted.map((mail) => mail.id));
      await until(() => ids().size === total, "every message accepted", 30_000);
      // Acks RabbitMQ had not yet written down when it died come back as mail to take again.
      await until(
        async () => (await client.ready(mailQueue)) === 0 && intake.pending.length === 0,
        "the queue to empty",
      );
      await running.close();

      expect(await client.ready(mailQueue)).toBe(0);
      const twice = intake.accepted.length - total;
      console.log(
        `RabbitMQ killed after ${atKill} accepted; ${twice} accepted twice (acks lost with it); none lost`,
      );
    } finally {
      await running.destroy();
    }
  }, 90_000);
});
