import { describe, expect, it } from "vitest";
import type { PublishOutcome } from "../../src/server/publish/mail-intake.js";
import { PublishRecords } from "../../src/server/publish/publish-records.js";

const accepted = (...to: string[]): PublishOutcome => ({
  status: "accepted",
  accepted: to.map((user, i) => ({ id: `m${i}`, to: user, ts: 1 })),
});

describe("PublishRecords", () => {
  it("answers a repeat with the first outcome, even before it settles", async () => {
    const records = new PublishRecords({ windowMs: 1000, maxItems: 10 });
    const first = records.claim("billing", "k", "f");
    const repeat = records.claim("billing", "k", "f");
    expect(first.kind).toBe("first");
    expect(repeat.kind).toBe("repeat");
    if (first.kind !== "first" || repeat.kind !== "repeat") return;
    first.settle(accepted("bob"));
    expect(await repeat.outcome).toEqual(accepted("bob"));
  });

  it("refuses the id with another fingerprint, per service", () => {
    const records = new PublishRecords({ windowMs: 1000, maxItems: 10 });
    records.claim("billing", "k", "f");
    expect(records.claim("billing", "k", "other").kind).toBe("conflict");
    expect(records.claim("shipping", "k", "other").kind).toBe("first");
  });

  it("forgets an id whose request was refused or failed, so it can be tried again", () => {
    const records = new PublishRecords({ windowMs: 1000, maxItems: 10 });
    const first = records.claim("billing", "k", "f");
    if (first.kind === "first")
      first.settle({ status: "failed", code: "store_unavailable", message: "" });
    expect(records.claim("billing", "k", "f").kind).toBe("first");
  });

  it("forgets ids past the window", () => {
    let now = 0;
    const records = new PublishRecords({ windowMs: 1000, maxItems: 10, clock: () => now });
    const first = records.claim("billing", "k", "f");
    if (first.kind === "first") first.settle(accepted("bob"));
    now = 999;
    expect(records.claim("billing", "k", "f").kind).toBe("repeat");
    now = 1000;
    expect(records.claim("billing", "k", "f").kind).toBe("first");
  });

  it("keeps at most maxItems accepted recipients, forgetting the oldest records first", () => {
    const records = new PublishRecords({ windowMs: 60_000, maxItems: 4 });
    for (const id of ["a", "b", "c"]) {
      const claim = records.claim("billing", id, "f");
      if (claim.kind === "first") claim.settle(accepted("ann", "bob"));
    }
    expect(records.size).toBe(2);
    expect(records.claim("billing", "a", "f").kind).toBe("first");
  });

  it("remembers nothing with a window of 0", () => {
    const records = new PublishRecords({ windowMs: 0, maxItems: 10 });
    records.claim("billing", "k", "f");
    expect(records.claim("billing", "k", "f").kind).toBe("first");
  });
});
