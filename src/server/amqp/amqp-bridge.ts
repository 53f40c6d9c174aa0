import type { Channel, ChannelModel } from "amqplib";
import type { ActivityFeed } from "../activity/activity-feed.js";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { MailIntake } from "../publish/mail-intake.js";
import type { AmqpBridgeOptions } from "./amqp-bridge-options.js";
import {
  type AmqpBridgeCounters,
  type AmqpBridgeStats,
  type AmqpLinkStatus,
  zeroCounters,
} from "./amqp-bridge-stats.js";
import { AmqpLink } from "./amqp-link.js";
import { EventOutbox } from "./event-outbox.js";
import { EventPublisher } from "./event-publisher.js";
import { MailConsumer } from "./mail-consumer.js";

/** What the bridge uses of the node. */
export interface AmqpBridgePorts {
  /** Where mail from the queue goes in. */
  intake: MailIntake;
  /** What is published to the exchange. */
  feed: ActivityFeed;
  log: Logger;
}

/**
 * Backends and Postoffice over RabbitMQ (docs/operations.md, "AMQP bridge"): mail in from
 * a durable queue ({@link MailConsumer}), the node's activity out to a topic exchange
 * through a durable outbox ({@link EventPublisher}), over one connection kept up by
 * {@link AmqpLink}. Each direction has its own confirm channel, so a slow one does not hold
 * up the other; a channel that fails has the whole connection renewed.
 */
export class AmqpBridge {
  private readonly counters: AmqpBridgeCounters = zeroCounters();
  private readonly outbox: EventOutbox;
  private readonly consumer: MailConsumer;
  private readonly publisher: EventPublisher;
  private readonly link: AmqpLink;
  private closing = false;
  /** Queues written besides the events (`queue`), declared on each connection. */
  private readonly extraQueues = new Set<string>();
  private outbound: Channel | undefined;

  /** Opens the outbox (throws if its file is not an outbox); connects on `start`. */
  constructor(
    private readonly options: AmqpBridgeOptions,
    private readonly ports: AmqpBridgePorts,
  ) {
    const log = ports.log.child({ component: "amqp" });
    const throttle = new LogThrottle(log);
    this.outbox = new EventOutbox(options.outbox.directory, options.outbox.maxEvents);
    this.link = new AmqpLink(
      options.url,
      options.reconnect,
      (connection) => this.setup(connection),
      log,
      throttle,
      `postoffice ${options.service}`,
    );
    const broken = (reason: string): void => this.link.recycle(reason);
    this.consumer = new MailConsumer(options, ports.intake, this.counters, log, throttle, broken);
    this.publisher = new EventPublisher(options, this.outbox, this.counters, log, throttle);
  }

  /** Starts taking events into the outbox and connecting; resolves without waiting for RabbitMQ. */
  async start(): Promise<void> {
    this.publisher.subscribe(this.ports.feed);
    await this.link.start();
  }

  get status(): AmqpLinkStatus {
    return this.link.status;
  }

  /** Called on each change of status (`up`, `down`, `closed`). */
  onStatus(listener: (status: AmqpLinkStatus) => void): () => void {
    return this.link.onStatus(listener);
  }

  /**
   * A durable queue the node also writes to, fire and forget (AMQP chat's `chat`, as its seed
   * wrote it): a message sent while RabbitMQ is away is dropped, since the mailbox, not this
   * queue, delivers the mail. Call before `start`, so that it is declared on connecting.
   */
  queue(name: string, contentType: string): { publish(body: string): void } {
    this.extraQueues.add(name);
    return {
      publish: (body) => {
        const channel = this.link.status === "up" ? this.outbound : undefined;
        channel?.sendToQueue(name, Buffer.from(body), { persistent: true, contentType });
      },
    };
  }

  stats(): AmqpBridgeStats {
    return {
      ...this.counters,
      mailDeadLettered: { ...this.counters.mailDeadLettered },
      status: this.link.status,
      eventsWaiting: this.outbox.size,
    };
  }

  /**
   * Stops taking mail (waiting up to `closeTimeoutMs` for mail the intake is taking, so that
   * it is acknowledged), keeps the events already emitted in the outbox, and closes the
   * connection: unacknowledged mail goes back to its queue.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.consumer.stop(this.options.closeTimeoutMs);
    this.publisher.stop();
    await this.link.close();
    await this.publisher.idle();
    this.outbox.close();
  }

  private async setup(connection: ChannelModel): Promise<void> {
    const inbound = this.watch(await connection.createConfirmChannel(), "mail");
    await this.consumer.attach(inbound);
    const outbound = this.watch(await connection.createConfirmChannel(), "events");
    for (const name of this.extraQueues) await outbound.assertQueue(name, { durable: true });
    await this.publisher.attach(outbound);
    this.outbound = outbound;
  }

  /** A channel RabbitMQ closes (an error on it) while the connection stays is renewed with it. */
  private watch<C extends Channel>(channel: C, name: string): C {
    channel.on("error", (error: Error) => {
      this.ports.log.warn({ err: error, channel: name }, "AMQP channel error");
    });
    channel.on("close", () => {
      if (!this.closing) this.link.recycle(`the ${name} channel closed`);
    });
    return channel;
  }
}
