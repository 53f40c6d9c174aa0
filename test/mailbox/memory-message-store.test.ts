import { describe, expect, it } from "vitest";
import {
  KEPT_ACKNOWLEDGED,
  MemoryMessageStore,
} from "../../src/server/mailbox/memory-message-store.js";
import { messageStoreContract } from "./message-store.contract.js";

messageStoreContract(
  "MemoryMessageStore",
  async (options, clock) => new MemoryMessageStore(options, clock),
);

describe("MemoryMessageStore's acknowledged entries", () => {
  const options = {
    maxMessages: 10_000,
    overflow: "refuse" as const,
    ttlMs: 60_000,
    idempotencyWindowMs: 60_000,
  };
  const send = (store: MemoryMessageStore, n: number) =>
    store.appendNow({ id: `m${n}`, from: "alice", to: "bob", ts: 1000, body: { n } });

  it("keeps the newest KEPT_ACKNOWLEDGED to twice as many, and every unacknowledged one", async () => {
    const store = new MemoryMessageStore(options, () => 1000);
    const total = 4 * KEPT_ACKNOWLEDGED;
    for (let n = 1; n <= total; n++) send(store, n);
    store.ackNow("bob", 3 * KEPT_ACKNOWLEDGED, "delivered", 1000);
    const kept = await store.readAfter("bob", 0, total);
    expect(kept[0]?.seq).toBe(2 * KEPT_ACKNOWLEDGED + 1);
    expect(kept.at(-1)?.seq).toBe(total);
    expect(await store.readAfter("bob", 3 * KEPT_ACKNOWLEDGED, total)).toHaveLength(
      KEPT_ACKNOWLEDGED,
    );
    expect(await store.position("bob")).toEqual({
      last: total,
      acked: 3 * KEPT_ACKNOWLEDGED,
      read: 0,
    });
  });

  it("drops nothing while fewer than twice KEPT_ACKNOWLEDGED are acknowledged", async () => {
    const store = new MemoryMessageStore(options, () => 1000);
    for (let n = 1; n < 2 * KEPT_ACKNOWLEDGED; n++) send(store, n);
    store.ackNow("bob", 2 * KEPT_ACKNOWLEDGED, "delivered", 1000);
    expect(await store.readAfter("bob", 0, 10_000)).toHaveLength(2 * KEPT_ACKNOWLEDGED - 1);
  });
});
