import { setTimeout as sleep } from "node:timers/promises";
import type { ConfirmChannel, ConsumeMessage } from "amqplib";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { MailIntake, PublishOutcome } from "../publish/mail-intake.js";
import { type AmqpBridgeOptions, backoffDelay } from "./amqp-bridge-options.js";
import type { AmqpBridgeCounters } from "./amqp-bridge-stats.js";
import { type DeadLetterReason, deadLetter } from "./dead-letter.js";
import { decodeMailMessage } from "./mail-message.js";

/** One consuming channel's life: deliveries are settled only on the channel they came on. */
interface Consumption {
  channel: ConfirmChannel;
  open: boolean;
}

/**
 * The bridge's way in: takes mail from the durable mail queue and hands it to the intake.
 * A message is acknowledged only once the intake says `accepted` (durably); a malformed or
 * refused one is copied to the dead-letter queue with its reason, then acknowledged; one the
 * intake could not take for now is tried again with backoff, up to `retry.maxAttempts`,
 * then dead-lettered. Anything not acknowledged when the channel or the process dies is
 * redelivered by RabbitMQ: mail is taken at least once, and exactly once when it has an id.
 */
export class MailConsumer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  /** The channel mail is consumed on now, closed politely on stop. */
  private consumption: Consumption | undefined;

  constructor(
    private readonly options: AmqpBridgeOptions,
    private readonly intake: MailIntake,
    private readonly stats: AmqpBridgeCounters,
    private readonly log: Logger,
    private readonly throttle: LogThrottle,
    /** The channel failed in a way only a new connection mends (consumer cancelled, ...). */
    private readonly onBroken: (reason: string) => void,
  ) {}

  /** Declares the queues and consumes on `channel`; called on each (re)connection. */
  async attach(channel: ConfirmChannel): Promise<void> {
    const consumption: Consumption = { channel, open: true };
    this.consumption = consumption;
    channel.on("close", () => {
      consumption.open = false;
    });
    await channel.assertQueue(this.options.mailQueue, { durable: true });
    await channel.assertQueue(this.options.deadLetterQueue, { durable: true });
    await channel.prefetch(this.options.prefetch);
    await channel.consume(this.options.mailQueue, (message) => {
      if (message === null) {
        // RabbitMQ cancelled the consumer: the queue was deleted, or the node is leaving.
        this.onBroken(`the consumer of ${this.options.mailQueue} was cancelled by RabbitMQ`);
        return;
      }
      if (this.stopping.signal.aborted) return;
      const handled = this.handle(consumption, message).catch((error: unknown) => {
        // Not settled: RabbitMQ redelivers it when the channel closes.
        this.log.error({ err: error }, "AMQP mail could not be handled");
      });
      this.inFlight.add(handled);
      void handled.finally(() => this.inFlight.delete(handled));
    });
  }

  /**
   * Takes no more mail: waits (bounded) for the intake's answers to mail it is taking, and
   * abandons retries. What is not acknowledged by then is redelivered once the channel
   * closes.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping.abort();
    const timeout = sleep(timeoutMs, undefined, { ref: false });
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    // Closed with a handshake, which RabbitMQ answers only after the acknowledgements sent
    // before it: a connection dropped right behind an ack may lose it, and the mail would be
    // taken a second time.
    const consumption = this.consumption;
    if (consumption?.open) {
      consumption.open = false;
      await consumption.channel.close().catch(() => undefined);
    }
  }

  private async handle(consumption: Consumption, message: ConsumeMessage): Promise<void> {
    const decoded = decodeMailMessage(
      message.content,
      message.properties,
      this.options.maxMessageBytes,
    );
    if (!decoded.ok) {
      await this.reject(consumption, message, { ...decoded, attempts: 1 });
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.publish(decoded.request);
      switch (outcome.status) {
        case "accepted":
          this.stats.mailAccepted += 1;
          settle(consumption, (channel) => channel.ack(message));
          return;
        case "refused": {
          const where = outcome.pointer ? `${outcome.pointer} ` : "";
          const reason = `${where}${outcome.message}`;
          await this.reject(consumption, message, {
            code: outcome.code,
            reason,
            attempts: attempt,
          });
          return;
        }
        case "failed": {
          if (attempt >= this.options.retry.maxAttempts) {
            const reason = `${outcome.code} after ${attempt} attempts: ${outcome.message}`;
            await this.reject(consumption, message, {
              code: "retries_exhausted",
              reason,
              attempts: attempt,
            });
            return;
          }
          this.stats.mailRetries += 1;
          const delay = backoffDelay(this.options.retry, attempt);
          const waited = await sleep(delay, true, { signal: this.stopping.signal }).catch(
            () => false,
          );
          // Stopping, or the channel is gone: RabbitMQ redelivers it.
          if (!waited || !consumption.open) return;
          break;
        }
        default:
          return unreachable(outcome);
      }
    }
  }

  /** The intake never rejects by contract; a broken one is read as an unknown outcome. */
  private async publish(request: Parameters<MailIntake["publish"]>[1]): Promise<PublishOutcome> {
    try {
      return await this.intake.publish(this.options.service, request);
    } catch (error) {
      this.log.error({ err: error }, "the mail intake threw; the AMQP message will be retried");
      return { status: "failed", code: "outcome_unknown", message: "the intake failed" };
    }
  }

  /** Dead-letters, then acknowledges: the copy is confirmed before the original goes. */
  private async reject(
    consumption: Consumption,
    message: ConsumeMessage,
    why: DeadLetterReason,
  ): Promise<void> {
    if (!consumption.open) return;
    try {
      await deadLetter(
        consumption.channel,
        this.options.deadLetterQueue,
        message,
        why,
        this.options.mailQueue,
      );
    } catch (error) {
      // Not confirmed: keep the original. A closed channel has it redelivered; on an open
      // one (a negative confirm), put it back in the queue to be tried again.
      this.log.warn({ err: error }, "could not dead-letter AMQP mail; it stays in its queue");
      settle(consumption, (channel) => channel.nack(message, false, true));
      return;
    }
    this.stats.mailDeadLettered[why.code] += 1;
    settle(consumption, (channel) => channel.ack(message));
    this.throttle.warn(
      `amqp_dead_letter:${why.code}`,
      { code: why.code, reason: why.reason.slice(0, 256), queue: this.options.deadLetterQueue },
      "AMQP mail dead-lettered",
    );
  }
}

/** Acks and nacks go on the channel the message came on, and only while it is open. */
function settle(consumption: Consumption, action: (channel: ConfirmChannel) => void): void {
  if (!consumption.open) return;
  try {
    action(consumption.channel);
  } catch {
    // It closed in between: RabbitMQ redelivers the message.
    consumption.open = false;
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected outcome ${JSON.stringify(value)}`);
}
