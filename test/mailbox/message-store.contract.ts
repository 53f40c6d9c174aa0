import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MailboxFullError,
  type MessageStore,
  type NewMail,
} from "../../src/server/mailbox/message-store.js";

/**
 * The MessageStore contract (src/server/mailbox/message-store.ts), run by every
 * implementation's test. `create` gets a mailbox limit and returns a fresh, empty store.
 */
export function messageStoreContract(
  name: string,
  create: (options: { maxMessages: number }) => Promise<MessageStore>,
): void {
  describe(`${name} (MessageStore contract)`, () => {
    let store: MessageStore;
    beforeEach(async () => {
      store = await create({ maxMessages: 5 });
    });
    afterEach(async () => {
      await store.close();
    });
    const mail = (to: string, n: number): NewMail => ({
      id: randomUUID(),
      from: "alice",
      to,
      ts: 1000 + n,
      body: { n },
    });

    it("numbers each mailbox's mail 1, 2, 3 with no gap, separately per mailbox", async () => {
      const seqs = [];
      for (let n = 1; n <= 3; n++) seqs.push((await store.append(mail("bob", n))).seq);
      expect(seqs).toEqual([1, 2, 3]);
      expect((await store.append(mail("carol", 1))).seq).toBe(1);
    });

    it("returns the stored mail as appended, with its sequence", async () => {
      const input = mail("bob", 7);
      const stored = await store.append(input);
      expect(stored).toEqual({ ...input, seq: 1 });
      expect(await store.readAfter("bob", 0, 10)).toEqual([stored]);
    });

    it("reads mail after a sequence, in order, at most `limit`", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      expect((await store.readAfter("bob", 2, 10)).map((m) => m.seq)).toEqual([3, 4, 5]);
      expect((await store.readAfter("bob", 0, 2)).map((m) => m.seq)).toEqual([1, 2]);
      expect(await store.readAfter("bob", 5, 10)).toEqual([]);
      expect(await store.readAfter("nobody", 0, 10)).toEqual([]);
    });

    it("acknowledges cumulatively and idempotently, and never returns acknowledged mail", async () => {
      for (let n = 1; n <= 4; n++) await store.append(mail("bob", n));
      await store.ack("bob", 2);
      await store.ack("bob", 2);
      await store.ack("bob", 1);
      expect(await store.ackedSeq("bob")).toBe(2);
      expect((await store.readAfter("bob", 0, 10)).map((m) => m.seq)).toEqual([3, 4]);
    });

    it("treats an ack past the last sequence as acknowledging everything, without skipping future sequences", async () => {
      await store.append(mail("bob", 1));
      await store.ack("bob", 99);
      expect(await store.ackedSeq("bob")).toBe(1);
      expect((await store.append(mail("bob", 2))).seq).toBe(2);
      expect((await store.readAfter("bob", 0, 10)).map((m) => m.seq)).toEqual([2]);
    });

    it("refuses to append to a full mailbox with MailboxFullError, and accepts again once mail is acknowledged", async () => {
      for (let n = 1; n <= 5; n++) await store.append(mail("bob", n));
      await expect(store.append(mail("bob", 6))).rejects.toBeInstanceOf(MailboxFullError);
      expect((await store.readAfter("bob", 0, 10)).length).toBe(5);
      await store.ack("bob", 1);
      expect((await store.append(mail("bob", 6))).seq).toBe(6);
    });

    it("reports 0 as the acknowledged sequence of an unknown mailbox", async () => {
      expect(await store.ackedSeq("nobody")).toBe(0);
    });
  });
}
