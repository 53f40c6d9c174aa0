import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type MailboxEntry,
  MailboxFullError,
  type MessageStore,
  type NewMail,
  type RetentionOptions,
  serializedBody,
} from "../../src/server/mailbox/message-store.js";

export type StoreFactory = (
  options: RetentionOptions,
  clock: () => number,
) => Promise<MessageStore>;

const DEFAULTS: RetentionOptions = {
  maxMessages: 5,
  overflow: "refuse",
  ttlMs: 60_000,
  idempotencyWindowMs: 10_000,
};

/**
 * The MessageStore contract (src/server/mailbox/message-store.ts), run by every
 * implementation's test with a fresh, empty store per case.
 */
export function messageStoreContract(name: string, create: StoreFactory): void {
  describe(`${name} (MessageStore contract)`, () => {
    let store: MessageStore;
    let now = 1_000_000;
    const open = async (options: Partial<RetentionOptions> = {}): Promise<MessageStore> => {
      store = await create({ ...DEFAULTS, ...options }, () => now);
      return store;
    };
    beforeEach(async () => {
      now = 1_000_000;
      await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const mail = (to: string, n: number, extra: Partial<NewMail> = {}): NewMail => ({
      id: randomUUID(),
      from: "alice",
      to,
      ts: now,
      body: { n },
      ...extra,
    });
    const seqOf = async (m: NewMail): Promise<number> => {
      const result = await store.append(m);
      if (result.duplicate) throw new Error("unexpected duplicate");
      return result.mail.seq;
    };
    const seqs = async (user: string, after = 0): Promise<number[]> =>
      (await store.readAfter(user, after, 100)).map((entry) => entry.seq);

    it("says it accepts mail while it can write", async () => {
      await store.append(mail("bob", 1));
      expect(store.accepting).toBe(true);
    });

    it("numbers each mailbox's entries 1, 2, 3 with no gap, separately per mailbox", async () => {
      expect([
        await seqOf(mail("bob", 1)),
        await seqOf(mail("bob", 2)),
        await seqOf(mail("bob", 3)),
      ]).toEqual([1, 2, 3]);
      expect(await seqOf(mail("carol", 1))).toBe(1);
    });

    it("keeps appends made in one turn in call order", async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, n) => store.append(mail("bob", n))),
      );
      expect(results.map((r) => (r.duplicate ? -1 : r.mail.seq))).toEqual([1, 2, 3, 4, 5]);
      expect(
        (await store.readAfter("bob", 0, 10)).map((e) => (e.kind === "mail" ? e.body.n : -1)),
      ).toEqual([0, 1, 2, 3, 4]);
    });

    it("returns stored mail as appended, with its kind and sequence", async () => {
      const input = mail("bob", 7, { ref: "c1" });
      const result = await store.append(input);
      expect(result.duplicate).toBe(false);
      if (result.duplicate) return;
      expect(result.dropped).toBe(0);
      expect(serializedOnce(result.mail)).toEqual({ kind: "mail", ...input, seq: 1 });
      expect((await store.readAfter("bob", 0, 10)).map(serializedOnce)).toEqual([
        { kind: "mail", ...input, seq: 1 },
      ]);
    });

    it("keeps a body serialized by the caller as it was given", async () => {
      const body = { text: "hé", list: [], nested: { a: 1 } };
      const bodyJson = JSON.stringify(body);
      await store.append({ ...mail("bob", 1), body, bodyJson });
      const [entry] = await store.readAfter("bob", 0, 10);
      expect(entry?.kind === "mail" && entry.body).toEqual(body);
      expect(entry?.kind === "mail" && serializedBody(entry)).toBe(bodyJson);
    });

    it("reads entries after a sequence, in order, at most `limit`", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      expect(await seqs("bob", 2)).toEqual([3, 4, 5]);
      expect((await store.readAfter("bob", 0, 2)).map((m) => m.seq)).toEqual([1, 2]);
      expect(await seqs("bob", 5)).toEqual([]);
      expect(await seqs("nobody")).toEqual([]);
    });

    it("acknowledges cumulatively and idempotently, and keeps acknowledged mail readable for other devices", async () => {
      for (let n = 1; n <= 4; n++) await store.append(mail("bob", n));
      await store.ack("bob", 2, "delivered", now);
      await store.ack("bob", 2, "delivered", now);
      await store.ack("bob", 1, "delivered", now);
      expect(await store.position("bob")).toEqual({ last: 4, acked: 2, read: 0 });
      expect(await seqs("bob", 0)).toEqual([1, 2, 3, 4]);
      expect(await seqs("bob", 2)).toEqual([3, 4]);
    });

    it("treats an ack past the last sequence as acknowledging everything, without skipping future sequences", async () => {
      await store.append(mail("bob", 1));
      await store.ack("bob", 99, "delivered", now);
      expect((await store.position("bob")).acked).toBe(1);
      expect(await seqOf(mail("bob", 2))).toBe(2);
    });

    it("reports an unknown mailbox at position 0", async () => {
      expect(await store.position("nobody")).toEqual({ last: 0, acked: 0, read: 0 });
      expect(await store.ack("nobody", 5, "read", now)).toEqual([]);
    });

    it("puts one delivered receipt per newly acknowledged mail in its sender's mailbox", async () => {
      const first = mail("bob", 1, { ref: "c1" });
      const second = mail("bob", 2, { from: "carol" });
      await store.append(first);
      await store.append(second);
      const receipts = await store.ack("bob", 2, "delivered", now + 5);
      expect(receipts).toEqual([
        {
          kind: "receipt",
          owner: "alice",
          seq: 1,
          status: "delivered",
          mailId: first.id,
          to: "bob",
          ts: now + 5,
          ref: "c1",
        },
        {
          kind: "receipt",
          owner: "carol",
          seq: 1,
          status: "delivered",
          mailId: second.id,
          to: "bob",
          ts: now + 5,
        },
      ]);
      expect(await store.readAfter("alice", 0, 10)).toEqual([receipts[0]]);
      expect(await store.ack("bob", 2, "delivered", now)).toEqual([]);
    });

    it("makes a read mark imply delivery, and sends each receipt once", async () => {
      const sent = mail("bob", 1);
      await store.append(sent);
      const onRead = await store.ack("bob", 1, "read", now);
      expect(onRead.map((r) => r.status)).toEqual(["delivered", "read"]);
      expect(await store.position("bob")).toEqual({ last: 1, acked: 1, read: 1 });
      expect(await store.ack("bob", 1, "delivered", now)).toEqual([]);
      expect(await store.ack("bob", 1, "read", now)).toEqual([]);
    });

    it("counts the mailboxes holding entries not yet acknowledged, receipts included", async () => {
      expect(await store.waitingMailboxes()).toBe(0);
      await store.append(mail("bob", 1));
      await store.append(mail("bob", 2));
      await store.append(mail("carol", 1));
      expect(await store.waitingMailboxes()).toBe(2);
      // bob is done, and alice now has two delivered receipts waiting for her.
      await store.ack("bob", 2, "delivered", now);
      expect(await store.waitingMailboxes()).toBe(2);
      await store.ack("alice", 2, "delivered", now);
      await store.ack("carol", 1, "delivered", now);
      expect(await store.waitingMailboxes()).toBe(1);
      await store.ack("alice", 3, "delivered", now);
      expect(await store.waitingMailboxes()).toBe(0);
    });

    it("never makes receipts about receipts", async () => {
      await store.append(mail("bob", 1));
      await store.ack("bob", 1, "delivered", now);
      expect(await store.ack("alice", 1, "read", now)).toEqual([]);
      expect(await seqs("bob")).toEqual([1]);
    });

    it("stores a send retried with the same ref once, and answers it with the first acceptance", async () => {
      const first = await store.append(mail("bob", 1, { ref: "c1" }));
      if (first.duplicate) throw new Error("first append must not be a duplicate");
      now += 1000;
      const retry = await store.append(mail("bob", 1, { ref: "c1" }));
      expect(retry).toEqual({
        duplicate: true,
        accepted: { id: first.mail.id, to: "bob", seq: 1, ts: first.mail.ts },
      });
      expect(await seqs("bob")).toEqual([1]);
      expect((await store.append(mail("bob", 1, { ref: "c1", from: "carol" }))).duplicate).toBe(
        false,
      );
      expect((await store.append(mail("bob", 1, { ref: "c2" }))).duplicate).toBe(false);
    });

    it("treats a reused ref with another recipient or body as new mail, not a retry", async () => {
      await store.append(mail("bob", 1, { ref: "c1" }));
      const otherBody = await store.append(mail("bob", 2, { ref: "c1" }));
      const otherRecipient = await store.append(mail("carol", 2, { ref: "c1" }));
      expect([otherBody.duplicate, otherRecipient.duplicate]).toEqual([false, false]);
      expect(await seqs("bob")).toEqual([1, 2]);
      expect(await seqs("carol")).toEqual([1]);
    });

    it("forgets idempotency keys after the window, whether or not they were swept", async () => {
      await store.append(mail("bob", 1, { ref: "c1" }));
      await store.append(mail("bob", 2, { ref: "c2" }));
      now += DEFAULTS.idempotencyWindowMs + 1;
      expect((await store.append(mail("bob", 1, { ref: "c1" }))).duplicate).toBe(false);
      await store.expire(now);
      expect((await store.append(mail("bob", 2, { ref: "c2" }))).duplicate).toBe(false);
      expect(await seqs("bob")).toEqual([1, 2, 3, 4]);
    });

    it("refuses to append to a mailbox full of unacknowledged mail with MailboxFullError", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      await expect(store.append(mail("bob", 6))).rejects.toBeInstanceOf(MailboxFullError);
      expect(await seqs("bob")).toEqual([1, 2, 3, 4, 5]);
    });

    it("evicts acknowledged mail to make room before refusing", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      await store.ack("bob", 2, "delivered", now);
      expect(await seqOf(mail("bob", 6))).toBe(6);
      expect((await seqs("bob")).slice(-4)).toEqual([3, 4, 5, 6]);
    });

    it("drops the oldest unacknowledged mail when the policy is dropOldest", async () => {
      await store.close();
      await open({ overflow: "dropOldest" });
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      const result = await store.append(mail("bob", 6));
      expect(result).toMatchObject({ duplicate: false, dropped: 1, mail: { seq: 6 } });
      expect(await seqs("bob")).toEqual([2, 3, 4, 5, 6]);
    });

    it("does not count receipts against the mailbox limit", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n, { from: "bob" }));
      await store.ack("bob", 5, "read", now);
      expect(await seqs("bob")).toHaveLength(15);
      expect(await seqOf(mail("bob", 6))).toBe(16);
    });

    it("never returns expired entries, and removes them when swept", async () => {
      await store.append(mail("bob", 1));
      now += 30_000;
      await store.append(mail("bob", 2));
      now += 40_000;
      expect(await seqs("bob")).toEqual([2]);
      expect(await store.expire(now)).toBe(1);
      expect(await seqs("bob")).toEqual([2]);
      expect(await seqOf(mail("bob", 3))).toBe(3);
    });

    it("frees the place of expired mail in a full mailbox", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      now += DEFAULTS.ttlMs + 1;
      await store.expire(now);
      expect(await seqOf(mail("bob", 6))).toBe(6);
    });
  });
}

/** A stored mail without its optional `bodyJson`, which must be its body's JSON when present. */
function serializedOnce(entry: MailboxEntry): MailboxEntry {
  if (entry.kind !== "mail" || entry.bodyJson === undefined) return entry;
  const { bodyJson, ...rest } = entry;
  expect(JSON.parse(bodyJson)).toEqual(entry.body);
  return rest;
}
