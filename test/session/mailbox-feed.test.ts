import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BrokerMessage } from "../../src/server/broker/broker.js";
import type { MailboxEntry, StoredMail } from "../../src/server/mailbox/message-store.js";
import { encodeEntry } from "../../src/server/router/encode-entry.js";
import { MailboxFeed, type MailboxReader } from "../../src/server/session/mailbox-feed.js";

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function mail(seq: number): StoredMail {
  return { kind: "mail", id: `m${seq}`, seq, from: "ann", to: "bob", ts: seq, body: { n: seq } };
}

/**
 * One mailbox and one session's feed of it, with everything that can happen to them held back
 * until the test says: store reads (answered with what the store holds then, or held at the
 * time of the call), live deliveries (delivered, delayed and reordered, or lost), and a
 * reader that is sometimes full.
 */
class World implements MailboxReader {
  readonly stored: MailboxEntry[] = [];
  readonly delivered: number[] = [];
  readonly reads: Array<() => void> = [];
  readonly waits: Array<() => void> = [];
  readonly delayed: BrokerMessage[] = [];
  readonly problems: string[] = [];
  greeted = false;
  full = false;
  /** What the feed must have handed over once all is quiet: all it was told of, all stored at the welcome. */
  owed = 0;
  readonly feed: MailboxFeed;

  /**
   * `resumed`: the feed learns its cursor from the mailbox's position, read (as the lifecycle
   * does) once the session is subscribed, before anything else happens; else it is given it.
   */
  constructor(
    readonly startAfter: number,
    pageSize: number,
    private readonly resumed = false,
  ) {
    for (let seq = 1; seq <= startAfter; seq++) this.stored.push(mail(seq));
    this.feed = new MailboxFeed({
      userId: "bob",
      ...(resumed ? {} : { startAfter }),
      pageSize,
      reader: this,
      onError: (error) => this.problems.push(`feed failed: ${String(error)}`),
      store: {
        readAfter: (_user, after, limit) =>
          new Promise((resolve) => {
            const page = (): MailboxEntry[] =>
              this.stored.filter((entry) => entry.seq > after).slice(0, limit);
            const early = page();
            // A store answers with what it held at some moment between the call and the answer.
            const snapshotNow = this.reads.length % 2 === 0;
            this.reads.push(() => resolve(snapshotNow ? early : page()));
          }),
      },
    });
    if (resumed) this.feed.resumeFrom({ last: startAfter, acked: startAfter, read: 0 }, undefined);
  }

  deliverMail(seq: number, frame: string): void {
    if ((JSON.parse(frame) as { data: { seq: number } }).data.seq !== seq)
      this.problems.push(`seq ${seq} with another entry's frame`);
    const last = this.delivered.at(-1) ?? this.startAfter;
    if (!this.greeted) this.problems.push(`seq ${seq} before the welcome`);
    if (seq !== last + 1) this.problems.push(`seq ${seq} after ${last}`);
    this.delivered.push(seq);
  }

  roomForMore(): Promise<void> | undefined {
    if (!this.full) return undefined;
    return new Promise((resolve) => this.waits.push(resolve));
  }

  /** Stores the next mail, as the router does before it publishes it. */
  append(): BrokerMessage {
    const entry = mail(this.stored.length + 1);
    this.stored.push(entry);
    return { seq: entry.seq, frame: encodeEntry(entry) };
  }

  /** The lifecycle greets the session, then starts the replay. */
  greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    // A resumed feed owes what was stored at its position read, and what it was offered since;
    // an entry whose live delivery is lost meanwhile comes with the next gap, as once live.
    if (!this.resumed) this.owed = Math.max(this.owed, this.stored.length);
    this.feed.replay();
  }

  /** A live delivery from the broker. */
  offer(message: BrokerMessage): void {
    this.owed = Math.max(this.owed, message.seq);
    this.feed.offer(message);
  }
}

type Step =
  | { kind: "append"; live: "now" | "later" | "lost" }
  | { kind: "deliver-delayed"; pick: number }
  | { kind: "answer-read"; pick: number }
  | { kind: "reader-drains"; pick: number }
  | { kind: "reader-fills" }
  | { kind: "greet" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("append" as const),
    live: fc.constantFrom("now" as const, "later" as const, "lost" as const),
  }),
  fc.record({ kind: fc.constant("deliver-delayed" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("answer-read" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reader-drains" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reader-fills" as const) }),
  fc.record({ kind: fc.constant("greet" as const) }),
);

function take<T>(list: T[], pick: number): T | undefined {
  if (list.length === 0) return undefined;
  return list.splice(pick % list.length, 1)[0];
}

async function run(world: World, s: Step): Promise<void> {
  switch (s.kind) {
    case "append": {
      const message = world.append();
      if (s.live === "now") world.offer(message);
      if (s.live === "later") world.delayed.push(message);
      break;
    }
    case "deliver-delayed": {
      const message = take(world.delayed, s.pick);
      if (message) world.offer(message);
      break;
    }
    case "answer-read":
      take(world.reads, s.pick)?.();
      break;
    case "reader-drains":
      take(world.waits, s.pick)?.();
      break;
    case "reader-fills":
      world.full = true;
      break;
    case "greet":
      world.greet();
      break;
  }
  await settle();
}

/** Lets everything held back happen (then checks what is owed), then sends one more live mail. */
async function finish(world: World): Promise<void> {
  world.greet();
  world.full = false;
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const next = world.reads.shift() ?? world.waits.shift();
    const late = next ? undefined : world.delayed.shift();
    if (next) next();
    else if (late) world.offer(late);
    else break;
    await settle();
  }
  // Quiet: nothing that the feed was told of, or that was stored at the welcome, is missing.
  expect(world.delivered.at(-1) ?? world.startAfter).toBeGreaterThanOrEqual(world.owed);
  // A live mail after a lost one makes the feed read the store for the gap.
  world.offer(world.append());
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const next = world.reads.shift() ?? world.waits.shift();
    if (!next) break;
    next();
    await settle();
  }
}

describe("MailboxFeed: replay, then live, without a gap or a duplicate [DELIVERY-2]", () => {
  it("hands every stored entry after the cursor over once and in order, whatever interleaving", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 60 }),
        async (startAfter, pageSize, steps) => {
          const world = new World(startAfter, pageSize);
          for (const s of steps) await run(world, s);
          await finish(world);
          expect(world.problems).toEqual([]);
          const expected = world.stored.map((e) => e.seq).filter((seq) => seq > startAfter);
          expect(world.delivered).toEqual(expected);
          expect(world.feed.position).toBe(world.stored.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("hands every entry over once and in order when it resumes from a position read after subscribing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 60 }),
        async (startAfter, pageSize, steps) => {
          const world = new World(startAfter, pageSize, true);
          for (const s of steps) await run(world, s);
          await finish(world);
          expect(world.problems).toEqual([]);
          const expected = world.stored.map((e) => e.seq).filter((seq) => seq > startAfter);
          expect(world.delivered).toEqual(expected);
          expect(world.feed.position).toBe(world.stored.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("goes live without reading the store when nothing lies past the cursor and nothing came", () => {
    const world = new World(3, 256, true);
    world.greet();
    expect(world.reads).toHaveLength(0);
    expect(world.feed.started).toBe(true);
    world.offer(world.append());
    expect(world.delivered).toEqual([4]);
  });

  it("reads the store at the first replay when mail came between the position read and the welcome", async () => {
    const world = new World(0, 256, true);
    world.append(); // stored after the position read; its live delivery is still on the way
    world.offer(world.append());
    world.greet();
    expect(world.reads).toHaveLength(1);
    world.reads.shift()?.();
    await settle();
    expect(world.delivered).toEqual([1, 2]);
  });

  it("resumes after `since`, or at the mailbox's end when `since` lies beyond it [DELIVERY-3]", () => {
    const world = new World(0, 256);
    world.feed.resumeFrom({ last: 9, acked: 4, read: 2 }, undefined);
    expect(world.feed.position).toBe(4);
    world.feed.resumeFrom({ last: 9, acked: 4, read: 2 }, 7);
    expect(world.feed.position).toBe(7);
    world.feed.resumeFrom({ last: 9, acked: 4, read: 2 }, 12);
    expect(world.feed.position).toBe(9);
  });

  it("sends nothing before the replay starts, and what came meanwhile right after", async () => {
    const world = new World(0, 256);
    world.offer(world.append());
    world.offer(world.append());
    await settle();
    expect(world.delivered).toEqual([]);
    world.greet();
    world.reads.shift()?.();
    await settle();
    expect(world.delivered).toEqual([1, 2]);
    world.offer(world.append());
    expect(world.delivered).toEqual([1, 2, 3]);
  });

  it("reads the store again when a live sequence skips ahead (a delivery lost between nodes)", async () => {
    const world = new World(0, 256);
    world.greet();
    world.reads.shift()?.();
    await settle();
    world.append(); // published, but lost on the way
    world.offer(world.append());
    expect(world.delivered).toEqual([]);
    expect(world.reads).toHaveLength(1);
    world.reads.shift()?.();
    await settle();
    expect(world.delivered).toEqual([1, 2]);
  });
});
