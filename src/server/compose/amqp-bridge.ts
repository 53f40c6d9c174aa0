import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ActivityFeed } from "../activity/activity-feed.js";
import { AmqpBridge } from "../amqp/amqp-bridge.js";
import { defaultAmqpBridgeOptions } from "../amqp/amqp-bridge-options.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../log/logger.js";
import type { MailIntake } from "../publish/mail-intake.js";
import { workerSlot } from "./worker-slot.js";

/**
 * The AMQP bridge from `amqp:`, or undefined when `amqp.url` is empty. Its mail goes into
 * the node's intake (the server API's), its events come from the node's activity feed; its
 * outbox lives in the data directory.
 */
export function buildAmqpBridge(
  config: Config,
  parts: { intake: MailIntake; feed: ActivityFeed; log: Logger },
): AmqpBridge | undefined {
  const { amqp } = config;
  if (amqp.url === "") return undefined;
  const options = defaultAmqpBridgeOptions(amqp.url, outboxDirectory(config.server.dataDir));
  options.service = amqp.service;
  options.mailQueue = amqp.mailQueue;
  options.deadLetterQueue = amqp.deadLetterQueue;
  options.exchange = amqp.exchange;
  options.prefetch = amqp.prefetch;
  options.maxMessageBytes = amqp.maxMessageBytes;
  options.retry.maxAttempts = amqp.maxAttempts;
  options.publishBodies = amqp.publishBodies;
  options.outbox.maxEvents = amqp.outboxMaxEvents;
  return new AmqpBridge(options, parts);
}

/**
 * The data directory; for a worker of `--workers N`, a directory of its own in it, since an
 * outbox has one publisher: named after the worker's slot, which the worker forked in place
 * of a dead one takes over, and with it the events the dead one had not published.
 */
function outboxDirectory(dataDir: string): string {
  const worker = cluster.isWorker ? (workerSlot() ?? cluster.worker?.id) : undefined;
  if (worker === undefined) return dataDir;
  const directory = join(dataDir, `amqp-worker-${worker}`);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  return directory;
}
