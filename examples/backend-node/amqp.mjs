// A Node.js backend talking to Postoffice through RabbitMQ (the AMQP bridge,
// docs/operations.md "AMQP bridge"), with amqplib: publish mail to the bridge's queue, or
// print the events the node publishes to its exchange.
//
//   AMQP_URL=amqp://guest:guest@localhost:5672 node examples/backend-node/amqp.mjs publish bob "Your parcel shipped"
//   AMQP_URL=… node examples/backend-node/amqp.mjs events "mail.#" --count 2
//
// Publishing waits for RabbitMQ's confirm: once it resolves, the mail is RabbitMQ's to keep,
// and Postoffice acknowledges it only once accepted. The `id` makes a repeat land once.
import { randomUUID } from "node:crypto";
import amqp from "amqplib";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@localhost:5672";
const queue = process.env.POSTOFFICE_AMQP_QUEUE ?? "postoffice.mail";
const exchange = process.env.POSTOFFICE_AMQP_EXCHANGE ?? "postoffice.events";
const [command, ...rest] = process.argv.slice(2);

const connection = await amqp.connect(url);
try {
  if (command === "publish" && rest.length >= 2) {
    const [to, ...words] = rest;
    const channel = await connection.createConfirmChannel();
    const mail = { to, data: { text: words.join(" ") }, id: process.env.MAIL_ID ?? randomUUID() };
    channel.sendToQueue(queue, Buffer.from(JSON.stringify(mail)), {
      persistent: true,
      contentType: "application/json",
    });
    await channel.waitForConfirms();
    console.log(`queued: mail ${mail.id} to ${to}`);
  } else if (command === "events" && rest.length >= 1) {
    const [pattern, flag, n] = rest;
    const count = flag === "--count" ? Number(n) : Number.POSITIVE_INFINITY;
    const channel = await connection.createChannel();
    // A queue of this program's own, gone when it exits.
    const { queue: mine } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(mine, exchange, pattern);
    console.log(`listening: ${pattern}`);
    let seen = 0;
    await new Promise((resolve) => {
      channel.consume(
        mine,
        (message) => {
          if (message === null) return;
          console.log(`${message.fields.routingKey} ${message.content.toString()}`);
          if (++seen >= count) resolve(undefined);
        },
        { noAck: true },
      );
    });
  } else {
    console.error("usage: amqp.mjs publish USER TEXT… | amqp.mjs events PATTERN [--count N]");
    process.exitCode = 64;
  }
} finally {
  await connection.close();
}
