import { Counter, Gauge, type Registry } from "prom-client";
import type { AmqpBridgeReading } from "./metrics.js";

/** Why mail is dead-lettered (amqp/dead-letter.ts), exposed at 0 from the start. */
const DEAD_LETTER_REASONS = [
  "malformed",
  "forbidden",
  "schema_violation",
  "mailbox_full",
  "too_large",
  "id_conflict",
  "retries_exhausted",
];

/**
 * The AMQP bridge's metrics, read from the bridge at each scrape: it keeps its own counts,
 * so these are set rather than incremented. Zero on a node without a bridge.
 */
export function registerAmqpMetrics(
  registry: Registry,
  read: () => AmqpBridgeReading | undefined,
): void {
  const counter = (name: string, help: string, value: (r: AmqpBridgeReading) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const reading = read();
        this.reset();
        if (reading !== undefined) this.inc(value(reading));
      },
    });
  new Gauge({
    name: "postoffice_amqp_up",
    help: "1 while the AMQP bridge is connected to RabbitMQ (consuming and publishing), else 0.",
    registers: [registry],
    collect() {
      this.set(read()?.status === "up" ? 1 : 0);
    },
  });
  counter(
    "postoffice_amqp_mail_accepted_total",
    "Mail taken from the AMQP queue, accepted by the node and acknowledged to RabbitMQ.",
    (r) => r.mailAccepted,
  );
  counter(
    "postoffice_amqp_mail_retries_total",
    "Attempts at AMQP mail repeated because the node could not take it for now.",
    (r) => r.mailRetries,
  );
  new Counter({
    name: "postoffice_amqp_mail_dead_lettered_total",
    help: "AMQP mail moved to the dead-letter queue, by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const reading = read();
      this.reset();
      for (const reason of DEAD_LETTER_REASONS) {
        this.inc({ reason }, reading?.mailDeadLettered[reason] ?? 0);
      }
    },
  });
  counter(
    "postoffice_amqp_events_published_total",
    "Events published to the AMQP exchange and confirmed by RabbitMQ.",
    (r) => r.eventsPublished,
  );
  counter(
    "postoffice_amqp_events_dropped_total",
    "Events dropped from the full AMQP outbox (its oldest), or refused by RabbitMQ.",
    (r) => r.eventsDropped,
  );
  new Gauge({
    name: "postoffice_amqp_events_waiting",
    help: "Events in the AMQP outbox, not yet confirmed by RabbitMQ.",
    registers: [registry],
    collect() {
      this.set(read()?.eventsWaiting ?? 0);
    },
  });
}

/** The dashboard's view of a reading. */
export function amqpStats(reading: AmqpBridgeReading) {
  const { status, mailAccepted, eventsPublished, eventsWaiting, eventsDropped } = reading;
  const mailDeadLettered = Object.values(reading.mailDeadLettered).reduce((a, b) => a + b, 0);
  return { status, mailAccepted, mailDeadLettered, eventsPublished, eventsWaiting, eventsDropped };
}
