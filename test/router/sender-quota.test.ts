import { describe, expect, it } from "vitest";
import { SenderQuota } from "../../src/server/router/sender-quota.js";

function quota(maxBytes: number, maxNewMailboxes: number) {
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const q = new SenderQuota({ windowMs: 60_000, maxBytes, maxNewMailboxes }, () => now);
  return { q, clock };
}

describe("a sender's quota over its window [LIMIT-8]", () => {
  it("refuses the bytes past maxBytes until the window that began with the first mail ends", () => {
    const { q, clock } = quota(1000, 0);
    expect(q.charge("mallory", 600, false)).not.toHaveProperty("code");
    clock.advance(10_000);
    expect(q.charge("mallory", 400, false)).not.toHaveProperty("code");
    expect(q.charge("mallory", 1, false)).toMatchObject({
      code: "quota_exceeded",
      retryAfterMs: 50_000,
    });
    // Another sender has a window of its own.
    expect(q.charge("alice", 1000, false)).not.toHaveProperty("code");
    clock.advance(50_000);
    expect(q.charge("mallory", 1000, false)).not.toHaveProperty("code");
  });

  it("gives back what a mail took when it was not stored", () => {
    const { q } = quota(1000, 1);
    const first = q.charge("mallory", 1000, true);
    if ("code" in first) throw new Error("refused");
    expect(q.charge("mallory", 1, false)).toMatchObject({ code: "quota_exceeded" });
    first.refund();
    expect(q.charge("mallory", 1000, true)).not.toHaveProperty("code");
  });

  it("counts the mailboxes a sender starts, and refuses one more within the window", () => {
    const { q, clock } = quota(0, 2);
    expect(q.countsNewMailboxes).toBe(true);
    expect(q.charge("mallory", 10, true)).not.toHaveProperty("code");
    expect(q.charge("mallory", 10, true)).not.toHaveProperty("code");
    // Mail to a mailbox that exists is not limited by this count.
    expect(q.charge("mallory", 10, false)).not.toHaveProperty("code");
    expect(q.charge("mallory", 10, true)).toMatchObject({
      code: "too_many_new_mailboxes",
      retryAfterMs: 60_000,
    });
    clock.advance(60_000);
    expect(q.charge("mallory", 10, true)).not.toHaveProperty("code");
  });

  it("holds nothing for senders whose window ended", () => {
    const { q, clock } = quota(1000, 10);
    for (let n = 0; n < 1000; n++) q.charge(`sender-${n}`, 1, true);
    expect(q.size).toBe(1000);
    clock.advance(60_000);
    q.charge("last", 1, true);
    expect(q.size).toBe(1);
  });

  it("limits nothing with both limits at 0", () => {
    const { q } = quota(0, 0);
    expect(q.countsNewMailboxes).toBe(false);
    for (let n = 0; n < 100; n++) expect(q.charge("bot", 1 << 20, true)).not.toHaveProperty("code");
    expect(q.size).toBe(0);
  });
});
