import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { AmqpBridgeOptions } from "../../src/server/amqp/amqp-bridge-options.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";
import {
  type BridgeUnderTest,
  openClient,
  startBridge,
  type TestClient,
} from "./bridge-fixture.js";
import { accept, RecordingIntake } from "./recording-intake.js";

describeWith("rabbitmq-server", "AMQP bridge, mail in", () => {
  let rabbit: TestRabbit;
  let client: TestClient;
  const started: BridgeUnderTest[] = [];

  beforeAll(async () => {
    rabbit = await startRabbit();
    client = await openClient(rabbit.url);
  }, 90_000);
  afterEach(async () => {
    for (const bridge of started.splice(0)) await bridge.destroy();
  });
  afterAll(async () => {
    await client?.close();
    await rabbit?.destroy();
  }, 60_000);

  async function bridge(
    adjust?: (options: AmqpBridgeOptions) => void,
    intake?: RecordingIntake,
  ): Promise<BridgeUnderTest> {
    const running = await startBridge(rabbit.url, adjust, intake);
    started.push(running);
    await until(() => running.bridge.status === "up", "the bridge to connect");
    return running;
  }

  it("publishes each message on behalf of the configured service: users become to, message-id the id", async () => {
    const { intake, options } = await bridge();
    await client.send(
      options.mailQueue,
      { users: ["ann", "bob"], data: { text: "parcel" } },
      {
        messageId: "order-1",
      },
    );
    await client.send(options.mailQueue, { room: "lobby", data: { text: "hi" }, id: "r-1" });
    await client.send(options.mailQueue, { broadcast: true, data: { text: "maintenance" } });
    await until(() => intake.accepted.length === 3, "three publishes");
    expect(intake.calls.map((call) => call.service)).toEqual(["billing", "billing", "billing"]);
    expect(intake.accepted).toEqual([
      { to: ["ann", "bob"], data: { text: "parcel" }, id: "order-1" },
      { room: "lobby", data: { text: "hi" }, id: "r-1" },
      { broadcast: true, data: { text: "maintenance" } },
    ]);
  });

  it("acknowledges a message only once the intake has accepted it: until then RabbitMQ keeps it", async () => {
    const holding = await bridge(
      (options) => {
        options.closeTimeoutMs = 50;
      },
      new RecordingIntake(() => "hold"),
    );
    await client.send(holding.options.mailQueue, { to: "ann", data: { n: 1 }, id: "a-1" });
    await until(() => holding.intake.pending.length === 1, "the intake to be asked");
    // Closed while the intake still works on it: not acknowledged, so back in the queue.
    await holding.close();
    expect(await client.ready(holding.options.mailQueue)).toBe(1);

    const accepting = await bridge((options) => {
      options.mailQueue = holding.options.mailQueue;
      options.deadLetterQueue = holding.options.deadLetterQueue;
    });
    await until(() => accepting.intake.accepted.length === 1, "the redelivered mail");
    await accepting.close();
    expect(accepting.intake.accepted).toEqual([{ to: "ann", data: { n: 1 }, id: "a-1" }]);
    expect(await client.ready(holding.options.mailQueue)).toBe(0);
    expect(accepting.bridge.stats().mailAccepted).toBe(1);
  });

  it("dead-letters malformed messages with their reason and content, and never hands them to the intake", async () => {
    const {
      intake,
      options,
      bridge: running,
    } = await bridge((options) => {
      options.maxMessageBytes = 1024;
    });
    const bad: Array<[unknown, string, string]> = [
      [Buffer.from("not json {"), "malformed", "not JSON"],
      [[1, 2], "malformed", "must be a JSON object"],
      [{ data: { text: "to nobody" } }, "malformed", "exactly one of `to`, `room` or `broadcast`"],
      [{ to: 5, data: {} }, "malformed", "/to must be a user id or an array"],
      [{ users: "ann", data: {} }, "malformed", "/users must be an array"],
      [{ users: [], data: {} }, "malformed", "/users must be a user id or an array"],
      [{ to: "ann", users: ["bob"], data: {} }, "malformed", "cannot both be given"],
      [{ room: "no spaces", data: {} }, "malformed", "/room must be a room name"],
      [{ to: "ann", data: "text" }, "malformed", "/data must be object"],
      [{ to: "ann", data: {}, from: "ceo" }, "malformed", "/from is not a field"],
      [{ to: "ann", data: { blob: "x".repeat(2000) } }, "too_large", "at most 1024"],
    ];
    for (const [body, ,] of bad) await client.send(options.mailQueue, body, { messageId: "m" });
    await client.send(options.mailQueue, { to: "ann", data: { ok: true } });
    await until(() => intake.accepted.length === 1, "the good message");
    await until(() => {
      const stats = running.stats().mailDeadLettered;
      return stats.malformed + stats.too_large === bad.length;
    }, "every bad message dead-lettered");

    const letters = await client.drain(options.deadLetterQueue);
    expect(letters).toHaveLength(bad.length);
    for (const [index, letter] of letters.entries()) {
      const [body, code, reason] = bad[index] as [unknown, string, string];
      const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      expect(letter.content.equals(content)).toBe(true);
      expect(letter.properties.messageId).toBe("m");
      expect(letter.properties.deliveryMode).toBe(2);
      expect(letter.properties.headers?.["x-postoffice-code"]).toBe(code);
      expect(String(letter.properties.headers?.["x-postoffice-reason"])).toContain(reason);
      expect(letter.properties.headers?.["x-postoffice-queue"]).toBe(options.mailQueue);
    }
    expect(intake.calls).toHaveLength(1);
    await running.close();
    expect(await client.ready(options.mailQueue)).toBe(0);
  });

  it("dead-letters mail the intake refuses for good, with the refusal's code and reason", async () => {
    const intake = new RecordingIntake(() => ({
      status: "refused",
      code: "forbidden",
      message: "billing may not write to ceo",
      pointer: "/to",
    }));
    const { options, bridge: running } = await bridge(undefined, intake);
    await client.send(options.mailQueue, { to: "ceo", data: { text: "hi" }, id: "f-1" });
    await until(() => running.stats().mailDeadLettered.forbidden === 1, "the refusal");
    const [letter, ...others] = await client.drain(options.deadLetterQueue);
    expect(others).toEqual([]);
    expect(letter?.properties.headers?.["x-postoffice-code"]).toBe("forbidden");
    expect(letter?.properties.headers?.["x-postoffice-reason"]).toBe(
      "/to billing may not write to ceo",
    );
    expect(letter?.properties.headers?.["x-postoffice-attempts"]).toBe(1);
    expect(intake.calls).toHaveLength(1);
  });

  it("retries mail the intake could not take for now, then acknowledges it once accepted", async () => {
    const intake = new RecordingIntake((request, call) => {
      if (call === 1) return { status: "failed", code: "store_unavailable", message: "disk" };
      if (call === 2) return "throw";
      return accept(request);
    });
    const { options, bridge: running } = await bridge(undefined, intake);
    await client.send(options.mailQueue, { to: "ann", data: { n: 1 }, id: "t-1" });
    await until(() => intake.accepted.length === 1, "the third attempt");
    await running.close();
    expect(intake.calls.map((call) => call.request.id)).toEqual(["t-1", "t-1", "t-1"]);
    expect(running.stats().mailRetries).toBe(2);
    expect(await client.ready(options.mailQueue)).toBe(0);
    expect(await client.drain(options.deadLetterQueue)).toEqual([]);
  });

  it("dead-letters mail whose every attempt failed, saying how many were made", async () => {
    const intake = new RecordingIntake(() => ({
      status: "failed",
      code: "store_unavailable",
      message: "the store is away",
    }));
    const { options, bridge: running } = await bridge((options) => {
      options.retry.maxAttempts = 3;
    }, intake);
    await client.send(options.mailQueue, { to: "ann", data: { n: 1 } });
    await until(() => running.stats().mailDeadLettered.retries_exhausted === 1, "give-up");
    const [letter] = await client.drain(options.deadLetterQueue);
    expect(letter?.properties.headers?.["x-postoffice-code"]).toBe("retries_exhausted");
    expect(letter?.properties.headers?.["x-postoffice-attempts"]).toBe(3);
    expect(String(letter?.properties.headers?.["x-postoffice-reason"])).toBe(
      "store_unavailable after 3 attempts: the store is away",
    );
    expect(intake.calls).toHaveLength(3);
  });

  it("holds at most `prefetch` messages unacknowledged; the rest wait in the queue", async () => {
    const intake = new RecordingIntake(() => "hold");
    const { options, bridge: running } = await bridge((options) => {
      options.prefetch = 4;
    }, intake);
    for (let n = 0; n < 20; n += 1) {
      await client.send(options.mailQueue, { to: "ann", data: { n }, id: `p-${n}` });
    }
    await until(() => intake.pending.length === 4, "four messages at the intake");
    expect(await client.ready(options.mailQueue)).toBe(16);
    expect(intake.calls).toHaveLength(4);

    for (let round = 0; round < 20 && intake.accepted.length < 20; round += 1) {
      for (const call of intake.pending) call.settle(accept(call.request));
      await until(
        () => intake.pending.length > 0 || intake.accepted.length === 20,
        "the next messages",
      );
    }
    expect(intake.accepted.map((request) => request.id).sort()).toEqual(
      Array.from({ length: 20 }, (_, n) => `p-${n}`).sort(),
    );
    await until(() => running.stats().mailAccepted === 20, "twenty acknowledgements");
  });
});
