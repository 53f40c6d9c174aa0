/**
 * The JSON of the HTTP API the web page and dashboard read, shared by the server that
 * answers it and the pages that use it, so the two cannot drift.
 */

/** `GET /api/stats`: the node at a glance, for the dashboard. */
export interface Stats {
  /** Open WebSocket connections, authenticated or not. */
  connections: number;
  /** Open connections that have authenticated. */
  sessions: number;
  /**
   * Open connections and sessions by the dialect their clients speak (docs/migrating.md);
   * dialects with no open connection are left out.
   */
  dialects: Record<string, { connections: number; sessions: number }>;
  /** Messages routed since the node started, by kind of delivery. */
  messagesRouted: { direct: number; room: number; broadcast: number };
  /** Error frames sent to clients since the node started, by error code. */
  errors: Record<string, number>;
  /** Mailboxes with entries not yet acknowledged; `null` when the store could not say. */
  mailboxesWaiting: number | null;
  uptimeSeconds: number;
  /** The AMQP bridge, when the node has one (`amqp.url`). */
  amqp?: AmqpStats;
}

/** The AMQP bridge at a glance: its link to RabbitMQ and its counts since the node started. */
export interface AmqpStats {
  /** `up`: connected, consuming and publishing; `down`: reconnecting; `closed`: stopped. */
  status: "up" | "down" | "closed";
  /** Mail taken from the queue, accepted and acknowledged. */
  mailAccepted: number;
  /** Mail moved to the dead-letter queue, every reason together. */
  mailDeadLettered: number;
  /** Events published to the exchange and confirmed. */
  eventsPublished: number;
  /** Events in the outbox, waiting for RabbitMQ. */
  eventsWaiting: number;
  /** Events dropped from a full outbox. */
  eventsDropped: number;
}

/** `GET /api/info`: what the web page needs to know to connect. */
export interface WebInfo {
  /** The WebSocket path, `server.path`. */
  wsPath: string;
  /** Anonymous mode: the page may sign in with a name instead of a token. */
  anonymous: boolean;
  /** Chat mode's room, which every session is in without joining. */
  chatRoom: string | null;
}
