import type { PublishOutcome } from "./mail-intake.js";

type Accepted = Extract<PublishOutcome, { status: "accepted" }>;

/** What a request with an id finds when it claims the id. */
export type RecordClaim =
  /** The first with this id (or the first since a failure): run it, then `settle`. */
  | { kind: "first"; settle(outcome: PublishOutcome): void }
  /** The same request again: its answer, once the first has one. */
  | { kind: "repeat"; outcome: Promise<PublishOutcome> }
  /** The id was used for a different request within the window. */
  | { kind: "conflict" };

export interface PublishRecordsOptions {
  /** How long an id is remembered (`mailbox.idempotencyWindowMs`); 0 remembers nothing. */
  windowMs: number;
  /** Accepted items (recipients) remembered at most, over all records; the oldest go first. */
  maxItems: number;
  clock?: () => number;
}

interface PublishRecord {
  fingerprint: string;
  at: number;
  /** Recipients it accepted (1 while running): its weight against `maxItems`. */
  items: number;
  outcome: Promise<PublishOutcome>;
}

/**
 * The node's memory of the ids of backends' publishes, so that a request sent again is
 * answered with the first one's acceptance and a reused id with a different request is
 * refused. Only acceptances are kept: a refusal or failure forgets the id, so that the
 * request can be tried again.
 *
 * It is what makes a room message or a broadcast land once, and what answers a repeat while
 * the first is still running. Mail to users does not depend on it: each recipient's mail
 * carries a key derived from the id, which the mailbox store remembers durably, on every
 * node of a network, and across restarts [DELIVERY-4]. This memory is the node's own and is
 * lost with it; bounded by `maxItems`, the oldest records are forgotten first.
 */
export class PublishRecords {
  readonly #records = new Map<string, PublishRecord>();
  readonly #options: PublishRecordsOptions;
  readonly #clock: () => number;
  #items = 0;

  constructor(options: PublishRecordsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  claim(service: string, id: string, fingerprint: string): RecordClaim {
    const now = this.#clock();
    this.#expire(now);
    const key = `${service}\u0000${id}`;
    const found = this.#records.get(key);
    if (found !== undefined) {
      return found.fingerprint === fingerprint
        ? { kind: "repeat", outcome: found.outcome }
        : { kind: "conflict" };
    }
    let settle: (outcome: PublishOutcome) => void = () => undefined;
    const record: PublishRecord = {
      fingerprint,
      at: now,
      items: 1,
      outcome: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    if (this.#options.windowMs > 0) this.#add(key, record);
    return {
      kind: "first",
      settle: (outcome) => {
        settle(outcome);
        if (this.#records.get(key) !== record) return;
        if (outcome.status === "accepted") this.#weigh(record, outcome);
        else this.#remove(key, record);
      },
    };
  }

  #add(key: string, record: PublishRecord): void {
    this.#records.set(key, record);
    this.#items += record.items;
    this.#trim();
  }

  #weigh(record: PublishRecord, outcome: Accepted): void {
    this.#items += outcome.accepted.length - record.items;
    record.items = outcome.accepted.length;
    this.#trim();
  }

  #remove(key: string, record: PublishRecord): void {
    this.#records.delete(key);
    this.#items -= record.items;
  }

  /** Records are in the order they were made, so the expired ones are at the front. */
  #expire(now: number): void {
    for (const [key, record] of this.#records) {
      if (now - record.at < this.#options.windowMs) return;
      this.#remove(key, record);
    }
  }

  #trim(): void {
    for (const [key, record] of this.#records) {
      if (this.#items <= this.#options.maxItems) return;
      this.#remove(key, record);
    }
  }
}
