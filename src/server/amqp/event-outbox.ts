import { join } from "node:path";
import Database from "better-sqlite3";

/** An event ready to publish: where it goes and what it says. */
export interface OutboxEvent {
  /** Unique, stable across republishing: the AMQP `message-id`, for consumers to dedupe. */
  id: string;
  routingKey: string;
  /** The event's kind, as the AMQP `type` property. */
  kind: string;
  /** The JSON body. */
  body: string;
  ts: number;
}

/** An event in the outbox; `seq` orders them. */
export interface OutboxEntry extends OutboxEvent {
  seq: number;
}

export const OUTBOX_FILE = "amqp-outbox.db";
const SCHEMA_VERSION = 1;

/**
 * Events waiting to be published to RabbitMQ, in order, in a SQLite file: they outlive a
 * RabbitMQ outage and a restart of the node. WAL with `synchronous = NORMAL`: what was
 * added survives a crash of the process; a crash of the machine may lose the last
 * moments. Bounded: past `maxEvents`, the oldest are dropped, and `add` says how many.
 */
export class EventOutbox {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string, string, number]>;
  private readonly head: Database.Statement<[number], OutboxEntry>;
  private readonly removeThrough: Database.Statement<[number]>;
  private readonly dropOldest: Database.Statement<[number]>;
  private count: number;

  constructor(
    directory: string,
    private readonly maxEvents: number,
  ) {
    this.db = new Database(join(directory, OUTBOX_FILE));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${OUTBOX_FILE} has schema version ${version}, newer than this Postoffice knows (${SCHEMA_VERSION})`,
      );
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT    NOT NULL,
        routing_key TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        body        TEXT    NOT NULL,
        ts          INTEGER NOT NULL
      );
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
    this.insert = this.db.prepare(
      "INSERT INTO events (id, routing_key, kind, body, ts) VALUES (?, ?, ?, ?, ?)",
    );
    this.head = this.db.prepare(
      "SELECT seq, id, routing_key AS routingKey, kind, body, ts FROM events ORDER BY seq LIMIT ?",
    );
    this.removeThrough = this.db.prepare("DELETE FROM events WHERE seq <= ?");
    this.dropOldest = this.db.prepare(
      "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)",
    );
    this.count = (this.db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
  }

  /** Events waiting. */
  get size(): number {
    return this.count;
  }

  /** Appends in one transaction; returns how many of the oldest were dropped to make room. */
  add(events: readonly OutboxEvent[]): number {
    return this.db.transaction(() => {
      for (const event of events) {
        this.insert.run(event.id, event.routingKey, event.kind, event.body, event.ts);
      }
      this.count += events.length;
      const over = this.count - this.maxEvents;
      if (over <= 0) return 0;
      const dropped = this.dropOldest.run(over).changes;
      this.count -= dropped;
      return dropped;
    })();
  }

  /** The oldest `limit` events, in order. */
  peek(limit: number): OutboxEntry[] {
    return this.head.all(limit);
  }

  /** Removes every event up to `seq` (published and confirmed). */
  remove(seq: number): void {
    this.count -= this.removeThrough.run(seq).changes;
  }

  close(): void {
    this.db.close();
  }
}
