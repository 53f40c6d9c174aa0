/**
 * Carries deliveries between the nodes of a cluster (and, on one node, from the router to
 * the local sessions).
 *
 * Contract: a message published to a topic reaches every subscriber of that topic that was
 * subscribed when it was published, at most once each, in publish order per publisher.
 * Delivery is live only: the broker keeps nothing, durability is the MessageStore's job.
 * Handlers must not throw; a broker isolates one handler's failure from the others.
 * `publish` resolves whether the topic had a subscriber when it was published (anywhere in the
 * cluster): for a mailbox topic, whether a session of its user was connected, on any node.
 */
export interface Broker {
  publish(topic: string, message: BrokerMessage): Promise<boolean>;
  /**
   * `publish` done in the same turn, by a broker that delivers in process (the memory broker).
   * Optional; where present, the router uses it and a send costs no promise.
   */
  publishNow?(topic: string, message: BrokerMessage): boolean;
  /** Returns a function that ends this subscription. */
  subscribe(topic: string, handler: (message: BrokerMessage) => void): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * A delivery in transit: `seq` orders it within its mailbox or room (0 for what has no order,
 * such as presence events and broadcasts), `frame` is the encoded server frame.
 */
export interface BrokerMessage {
  seq: number;
  frame: string;
}

/** Topic names in one place, so every node agrees on them. */
export const topics = {
  mailbox: (userId: string): string => `mailbox:${userId}`,
  room: (room: string): string => `room:${room}`,
  broadcast: "broadcast",
  /** Orders to close a user's sessions, wherever they are (the HTTP API's disconnect). */
  disconnect: "sessions:disconnect",
} as const;
