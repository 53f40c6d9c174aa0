import { connect } from "amqplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith } from "../support/system-programs.js";
import { until } from "../support/until.js";

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

    // Under load the node may take AMQP connections before it has recovered its queues: a
    // passive check that fails closes its channel, so each look gets a new one.
    const again = await connect(rabbit.url);
    try {
      await until(
        async () => {
          const probe = await again.createChannel();
          probe.on("error", () => undefined);
          return probe.checkQueue("kept").then(
            async () => {
              await probe.close();
              return true;
            },
            () => false,
          );
        },
        "the durable queue to be recovered",
        15_000,
        200,
      );
      const reader = await again.createChannel();
      const message = await reader.get("kept", { noAck: true });
      expect(message === false ? undefined : message.content.toString()).toBe("hello");
    } finally {
      await again.close();
    }
  }, 90_000);
});
