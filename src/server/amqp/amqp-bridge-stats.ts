import type { DeadLetterCode } from "./dead-letter.js";

/** Counts since the bridge started, for metrics; the bridge's parts add to them. */
export interface AmqpBridgeCounters {
  /** Mail taken from the queue, accepted, and acknowledged to RabbitMQ. */
  mailAccepted: number;
  /** Attempts repeated after the intake failed for now. */
  mailRetries: number;
  /** Mail moved to the dead-letter queue, by reason. */
  mailDeadLettered: Record<DeadLetterCode, number>;
  /** Events published and confirmed by RabbitMQ. */
  eventsPublished: number;
  /** Events dropped from a full outbox (its oldest), or that RabbitMQ could not take. */
  eventsDropped: number;
}

export type AmqpLinkStatus = "up" | "down" | "closed";

/** The bridge at a glance: `/ready`, the dashboard and `/metrics` read it. */
export interface AmqpBridgeStats extends AmqpBridgeCounters {
  /** `up`: connected, queues declared, consuming, publishing. */
  status: AmqpLinkStatus;
  /** Events in the outbox, not yet confirmed by RabbitMQ. */
  eventsWaiting: number;
}

export function zeroCounters(): AmqpBridgeCounters {
  return {
    mailAccepted: 0,
    mailRetries: 0,
    mailDeadLettered: {
      malformed: 0,
      forbidden: 0,
      schema_violation: 0,
      mailbox_full: 0,
      too_large: 0,
      id_conflict: 0,
      retries_exhausted: 0,
    },
    eventsPublished: 0,
    eventsDropped: 0,
  };
}
