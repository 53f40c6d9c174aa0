import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChannelModel, type ConfirmChannel, connect, type Message } from "amqplib";
import { LocalActivityFeed } from "../../src/server/activity/local-activity-feed.js";
import { AmqpBridge } from "../../src/server/amqp/amqp-bridge.js";
import {
  type AmqpBridgeOptions,
  defaultAmqpBridgeOptions,
} from "../../src/server/amqp/amqp-bridge-options.js";
import { createLogger } from "../../src/server/log/logger.js";
import { RecordingIntake } from "./recording-intake.js";

let bridges = 0;
const DRAIN_TIMEOUT_MS = 10_000;

export interface BridgeUnderTest {
  bridge: AmqpBridge;
  intake: RecordingIntake;
  feed: LocalActivityFeed;
  options: AmqpBridgeOptions;
  /** Closes the bridge; the outbox directory stays until `destroy`. */
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A bridge with queue and exchange names of its own (tests of a file share one RabbitMQ),
 * fast retries and reconnects, silent logs, and its outbox in a temp directory.
 */
export async function startBridge(
  url: string,
  adjust: (options: AmqpBridgeOptions) => void = () => undefined,
  intake = new RecordingIntake(),
): Promise<BridgeUnderTest> {
  bridges += 1;
  const dir = await mkdtemp(join(tmpdir(), "postoffice-amqp-"));
  const options = defaultAmqpBridgeOptions(url, dir);
  options.service = "billing";
  options.mailQueue = `mail-${process.pid}-${bridges}`;
  options.deadLetterQueue = `${options.mailQueue}.dead`;
  options.exchange = `events-${process.pid}-${bridges}`;
  options.retry = { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 };
  options.reconnect = { initialDelayMs: 50, maxDelayMs: 500 };
  adjust(options);
  const feed = new LocalActivityFeed((error) => {
    throw error;
  });
  const log = createLogger({
    level: process.env.POSTOFFICE_TEST_LOG ? "debug" : "silent",
    format: "json",
  });
  const bridge = new AmqpBridge(options, { intake, feed, log });
  await bridge.start();
  return {
    bridge,
    intake,
    feed,
    options,
    close: () => bridge.close(),
    async destroy() {
      await bridge.close();
      await rm(dir, { recursive: true, force: true });
      await rm(options.outbox.directory, { recursive: true, force: true });
    },
  };
}

/** A plain AMQP client, as a backend or a consumer of events would use. */
export interface TestClient {
  connection: ChannelModel;
  channel: ConfirmChannel;
  /** Publishes persistent JSON (or raw bytes) to a queue and waits for RabbitMQ's confirm. */
  send(queue: string, body: unknown, properties?: { messageId?: string }): Promise<void>;
  /** Takes every message waiting in a queue, in order. */
  drain(queue: string): Promise<Message[]>;
  /** Ready messages of a queue (not those delivered and unacknowledged). */
  ready(queue: string): Promise<number>;
  close(): Promise<void>;
}

export async function openClient(url: string): Promise<TestClient> {
  const connection = await connect(url);
  const channel = await connection.createConfirmChannel();
  // A test that kills RabbitMQ leaves this client to die with it.
  connection.on("error", () => undefined);
  channel.on("error", () => undefined);
  return {
    connection,
    channel,
    async send(queue, body, properties = {}) {
      const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      channel.sendToQueue(queue, content, { persistent: true, ...properties });
      await channel.waitForConfirms();
    },
    async drain(queue) {
      const { messageCount } = await channel.checkQueue(queue);
      if (messageCount === 0) return [];
      const messages: Message[] = [];
      let done: () => void = () => undefined;
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          if (message === null) return;
          messages.push(message);
          if (messages.length === messageCount) done();
        },
        { noAck: true },
      );
      const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
      await all;
      clearTimeout(timer);
      await channel.cancel(consumerTag);
      if (messages.length < messageCount) {
        throw new Error(`read ${messages.length} of ${messageCount} messages of ${queue}`);
      }
      return messages;
    },
    async ready(queue) {
      return (await channel.checkQueue(queue)).messageCount;
    },
    async close() {
      await connection.close();
    },
  };
}
