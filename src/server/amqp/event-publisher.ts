import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type ConfirmChannel, IllegalOperationError } from "amqplib";
import type { ActivityEvent } from "../activity/activity-event.js";
import type { ActivityFeed } from "../activity/activity-feed.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import { type AmqpBridgeOptions, backoffDelay } from "./amqp-bridge-options.js";
import type { AmqpBridgeCounters } from "./amqp-bridge-stats.js";
import { confirmedPublish } from "./confirmed-publish.js";
import type { EventOutbox, OutboxEntry, OutboxEvent } from "./event-outbox.js";
import { eventBody, routingKey } from "./event-routing.js";

/**
 * The bridge's way out: every activity event goes into the outbox first (all those of one
 * event-loop turn in one transaction), and the outbox is published in order to the topic
 * exchange, a batch at a time, each batch removed once RabbitMQ confirms all of it. While
 * RabbitMQ is away the outbox fills (bounded); when it returns, publishing resumes from the
 * oldest event. A batch cut off by a lost connection is published again: consumers may see
 * an event twice (same `message-id`), never out of order.
 */
export class EventPublisher {
  private pending: OutboxEvent[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private channel: ConfirmChannel | undefined;
  private pumping: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly options: AmqpBridgeOptions,
    private readonly outbox: EventOutbox,
    private readonly counters: AmqpBridgeCounters,
    private readonly log: Logger,
    private readonly throttle: LogThrottle,
  ) {}

  /** Starts writing the feed's events to the outbox. */
  subscribe(feed: ActivityFeed): void {
    this.unsubscribe = feed.subscribe((event) => this.enqueue(event));
  }

  /** Declares the exchange and publishes on `channel`; called on each (re)connection. */
  async attach(channel: ConfirmChannel): Promise<void> {
    await channel.assertExchange(this.options.exchange, "topic", { durable: true });
    channel.on("close", () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    this.kick();
  }

  /** Stops taking events (those already emitted are written to the outbox) and publishing. */
  stop(): void {
    this.unsubscribe?.();
    this.stopping.abort();
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flush();
    this.channel = undefined;
  }

  /** Resolves once no batch is being published (after `stop` and the channel's close). */
  async idle(): Promise<void> {
    await this.pumping;
  }

  private enqueue(event: ActivityEvent): void {
    this.pending.push({
      id: randomUUID(),
      routingKey: routingKey(event),
      kind: event.kind,
      body: eventBody(event, this.options.publishBodies),
      ts: event.ts,
    });
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let dropped: number;
    try {
      dropped = this.outbox.add(batch);
    } catch (error) {
      // The outbox's file failed (disk full, I/O error): these events are lost, and said so.
      this.counters.eventsDropped += batch.length;
      this.throttle.warn(
        "amqp_outbox_failed",
        { err: error, lost: batch.length },
        "AMQP outbox write failed",
      );
      return;
    }
    if (dropped > 0) {
      this.counters.eventsDropped += dropped;
      this.throttle.warn(
        "amqp_outbox_full",
        { dropped, maxEvents: this.options.outbox.maxEvents },
        "AMQP outbox full: its oldest events were dropped",
      );
    }
    this.kick();
  }

  private kick(): void {
    if (this.pumping !== undefined || this.channel === undefined || this.outbox.size === 0) return;
    this.pumping = this.pump()
      .catch((error: unknown) => {
        // The outbox's file failed (disk full, I/O error): try again on the next event.
        this.log.error({ err: error }, "AMQP outbox could not be read");
      })
      .finally(() => {
        this.pumping = undefined;
      });
  }

  private async pump(): Promise<void> {
    let failures = 0;
    for (;;) {
      const channel = this.channel;
      if (channel === undefined || this.stopping.signal.aborted) return;
      const batch = this.outbox.peek(this.options.outbox.batchSize);
      const last = batch.at(-1);
      if (last === undefined) return;
      try {
        await this.publish(channel, batch);
      } catch (error) {
        // A lost channel is mended by the reconnection, which attaches another: go on with
        // it, if it is there already. A negative confirm on a live one (RabbitMQ could not
        // take it) is retried after a pause.
        if (this.channel !== channel) continue;
        failures += 1;
        this.throttle.warn("amqp_publish_failed", { err: error }, "AMQP events not confirmed");
        const delay = backoffDelay(this.options.reconnect, failures);
        const waited = await sleep(delay, true, { signal: this.stopping.signal }).catch(
          () => false,
        );
        if (!waited) return;
        continue;
      }
      failures = 0;
      this.outbox.remove(last.seq);
      this.counters.eventsPublished += batch.length;
    }
  }

  private async publish(channel: ConfirmChannel, batch: OutboxEntry[]): Promise<void> {
    const confirms: Array<Promise<void>> = [];
    for (const entry of batch) {
      let publish: ReturnType<typeof confirmedPublish>;
      try {
        publish = confirmedPublish(
          channel,
          this.options.exchange,
          entry.routingKey,
          Buffer.from(entry.body),
          {
            persistent: true,
            contentType: "application/json",
            messageId: entry.id,
            timestamp: Math.floor(entry.ts / 1000),
            type: entry.kind,
            appId: "postoffice",
          },
        );
      } catch (error) {
        if (error instanceof IllegalOperationError || this.channel !== channel) throw error;
        // It cannot be encoded, now or later: dropped (and counted) rather than blocking
        // every event behind it.
        this.counters.eventsDropped += 1;
        this.log.error({ err: error, event: entry.id }, "AMQP event could not be published");
        continue;
      }
      confirms.push(publish.confirmed);
      await publish.written;
    }
    await Promise.all(confirms);
  }
}
