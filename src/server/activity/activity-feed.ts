import type { ActivityEvent } from "./activity-event.js";

export type ActivityListener = (event: ActivityEvent) => void;

/**
 * What happened on this node, as it happens: the node emits, exporters (the AMQP bridge)
 * subscribe.
 *
 * Contract:
 * - Each node emits what happened on it, once: mail it accepted, receipts of acks and reads
 *   its sessions sent, presence changes of its sessions (user level: a second device is not
 *   news), declared events marked for export. On a network of nodes, each node's exporter
 *   publishes its own node's events, so each event is published once.
 * - Listeners are called synchronously, in the order of emission, after the fact (the mail
 *   is stored, the receipt made). A listener must not block; one that throws does not
 *   stop the others or the emitter.
 */
export interface ActivityFeed {
  /** Returns the function that unsubscribes. */
  subscribe(listener: ActivityListener): () => void;
}

/** The node's side of the feed: where the core reports what happened. */
export interface ActivitySink {
  emit(event: ActivityEvent): void;
}

/** A sink nobody listens to: a node without exporters. */
export const NO_ACTIVITY: ActivitySink = { emit: () => undefined };
