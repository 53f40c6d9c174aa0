import { connect } from "amqplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";

describeWith("rabbitmq-server", "the test rabbitmq-server", () => {
  let rabbit: TestRabbit;
  beforeAll(async () => {
    rabbit = await startRabbit();
    console.log(`rabbitmq-server started in ${rabbit.startMs} ms`);
  }, 90_000);
  afterAll(async () => {
    await rabbit?.destroy();
  }, 60_000);

  it("keeps a confirmed persistent message across a SIGKILL and a restart on the same data", async () => {
    const connection = await connect(rabbit.url);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue("kept", { durable: true });
    channel.sendToQueue("kept", Buffer.from("hello"), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();

    await rabbit.stop("SIGKILL");
    await rabbit.restart();
    console.log(`rabbitmq-server restarted in ${rabbit.startMs} ms`);

    const again = await connect(rabbit.url);
    const reader = await again.createChannel();
    const message = await reader.get("kept", { noAck: true });
    await again.close();
    expect(message === false ? undefined : message.content.toString()).toBe("hello");
  }, 90_000);
});
