import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryBroker } from "../../src/server/broker/memory-broker.js";
import { defaultConfig } from "../../src/server/config/defaults.js";
import { createLogger } from "../../src/server/log/logger.js";
import { SqliteMessageStore } from "../../src/server/mailbox/sqlite-message-store.js";
import { NoMetrics } from "../../src/server/metrics/no-metrics.js";
import type { PublishOutcome } from "../../src/server/publish/mail-intake.js";
import { PublishRecords } from "../../src/server/publish/publish-records.js";
import { RouterMailIntake } from "../../src/server/publish/router-mail-intake.js";
import type { RoomRouter } from "../../src/server/router/room-router.js";
import { Router } from "../../src/server/router/router.js";
import { Permissions } from "../../src/server/rules/permissions.js";
import { MemoryRoleDirectory } from "../../src/server/rules/role-directory.js";

/**
 * What the AMQP mail path does with one mail handed to the intake twice (a redelivery after
 * a SIGKILL, or two deliveries of one id at once), against the real SQLite store; and why
 * node-crash.test.ts once saw 946 of 1000 mails: not a duplicate, but a read made while the
 * last group commit's WAL sync ran.
 */
describe("the AMQP mail path on a real SQLite store", () => {
  let dir: string;
  const opened: SqliteMessageStore[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-intake-dedup-"));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const open = (name: string): SqliteMessageStore => {
    const store = new SqliteMessageStore({
      file: join(dir, name),
      synchronous: "full",
      busyTimeoutMs: 1000,
      maxMessages: 10_000,
      overflow: "refuse",
      ttlMs: 86_400_000,
      idempotencyWindowMs: 86_400_000,
    });
    opened.push(store);
    return store;
  };

  const permissions = new Permissions(defaultConfig.permissions, new MemoryRoleDirectory());
  /** A node's intake on `store`, with records of its own: a node that never saw the id. */
  const intakeOn = (store: SqliteMessageStore): RouterMailIntake => {
    const broker = new MemoryBroker((error) => expect.fail(String(error)));
    return new RouterMailIntake({
      router: new Router(store, broker, new NoMetrics(), () => undefined),
      rooms: {} as Pick<RoomRouter, "publish" | "broadcast">,
      permissions: () => permissions,
      validateMessage: undefined,
      limits: { maxDepth: 32, maxStringLength: 65_536, maxBytes: 65_536 },
      rolesOf: () => [],
      records: new PublishRecords({ windowMs: 86_400_000, maxItems: 1000 }),
      log: createLogger({ level: "silent", format: "json" }),
    });
  };

  const mail = (n: number) => ({ to: "bob", data: { n }, id: `m-${n}` });
  const mailIds = (outcome: PublishOutcome): string[] =>
    outcome.status === "accepted" ? outcome.accepted.map((item) => item.id) : [];

  it("stores one id handed at once to two intakes that never saw it once, answering both with that mail", async () => {
    const store = open("concurrent.db");
    const [a, b] = [intakeOn(store), intakeOn(store)];
    // The same turn: both pass their records' check, and both appends share a group commit.
    const outcomes = await Promise.all([
      a.publish("orders", mail(1)),
      b.publish("orders", mail(1)),
      a.publish("orders", mail(2)),
      b.publish("orders", mail(2)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "accepted",
    ]);
    expect(mailIds(outcomes[0] as PublishOutcome)).toEqual(mailIds(outcomes[1] as PublishOutcome));
    expect(mailIds(outcomes[2] as PublishOutcome)).toEqual(mailIds(outcomes[3] as PublishOutcome));
    expect((await store.position("bob")).last).toBe(2);
    expect((await store.readAfter("bob", 0, 10)).map((entry) => entry.seq)).toEqual([1, 2]);
  });

  it("stores mail redelivered after a restart once, though the new node's records never saw its id", async () => {
    const file = "restart.db";
    const before = open(file);
    const first = await intakeOn(before).publish("orders", mail(7));
    // A SIGKILL cannot be made in-process; a close keeps exactly what a kill after the
    // acceptance keeps (the commit, synced), and the new store reads it from the file.
    await before.close();
    opened.splice(opened.indexOf(before), 1);
    const after = open(file);
    const again = await intakeOn(after).publish("orders", mail(7));
    expect(again).toEqual(first);
    expect((await after.position("bob")).last).toBe(1);
  });

  it("shows a mailbox's position counting mail whose WAL sync is still running, which its entries leave out until the sync returns", async () => {
    const store = open("sync-window.db");
    const intake = intakeOn(store);
    for (let n = 0; n < 10; n += 1) await intake.publish("orders", mail(n));
    const last = Array.from({ length: 5 }, (_, i) => intake.publish("orders", mail(10 + i)));
    // The group commit runs in the first setImmediate after the appends, and its WAL sync
    // answers in a later poll phase: this callback comes between the two.
    const seen = await new Promise<[Promise<{ last: number }>, Promise<unknown[]>]>((resolve) =>
      setImmediate(() => resolve([store.position("bob"), store.readAfter("bob", 0, 100)])),
    );
    const [position, entries] = await Promise.all(seen);
    // What node-crash.test.ts read: `position.last` says 15, the entries hold 10.
    expect(position.last).toBe(15);
    expect(entries).toHaveLength(10);
    await Promise.all(last);
    expect(await store.readAfter("bob", 0, 100)).toHaveLength(15);
    expect((await store.position("bob")).last).toBe(15);
  });
});
