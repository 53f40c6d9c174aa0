import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/server/session/rate-limiter.js";
import { HOLD_GRACE_MS } from "../../src/server/session/send-hold.js";

/** A limiter whose only limit is 10 messages a second, burst 1: a token every 100 ms. */
function limiter(closeAfterRefusals = 100) {
  let now = 0;
  const off = { perSecond: 0, burst: 0 };
  const limits = {
    connection: off,
    user: off,
    message: { perSecond: 10, burst: 1 },
    closeAfterRefusals,
  };
  const rate = new RateLimiter(limits, () => now);
  return {
    send: (id: string | undefined, type = "message") => rate.check(type, undefined, id),
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe("the send hold behind a send refused for rate", () => {
  it("refuses the later sends, without taking their tokens, until the refused one comes back", () => {
    const { send, at } = limiter();
    expect(send("m1")).toEqual({ ok: true });
    expect(send("m2")).toMatchObject({ ok: false, retryAfterMs: 100 });
    at(150); // the bucket has a token again, but m3 came after m2
    expect(send("m3")).toMatchObject({ ok: false, heldBehind: "m2", retryAfterMs: 1 });
    expect(send("m2")).toEqual({ ok: true });
    expect(send("m3")).toMatchObject({ ok: false, retryAfterMs: 100 });
    at(250);
    expect(send("m3")).toEqual({ ok: true });
  });

  it("lets other frames through, and holds nothing behind a send without an id", () => {
    const { send, at } = limiter();
    send("m1");
    send("m2");
    at(150);
    expect(send("p1", "ping")).toEqual({ ok: true });
    expect(send("b1", "broadcast")).toMatchObject({ ok: false, heldBehind: "m2" });

    const other = limiter();
    other.send("m1");
    expect(other.send(undefined)).toMatchObject({ ok: false });
    other.at(150);
    expect(other.send("m3")).toEqual({ ok: true });
  });

  it("keeps waiting for the first refused send when later ones are refused too", () => {
    const { send, at } = limiter();
    send("m1");
    send("m2");
    expect(send("m3")).toMatchObject({ ok: false });
    at(150);
    expect(send("m3")).toMatchObject({ ok: false, heldBehind: "m2" });
  });

  it("gives up on a refused send that does not come back after retryAfterMs and a grace", () => {
    const { send, at } = limiter();
    send("m1");
    send("m2");
    at(100 + HOLD_GRACE_MS - 1);
    expect(send("m3")).toMatchObject({ ok: false, heldBehind: "m2" });
    at(100 + HOLD_GRACE_MS);
    expect(send("m3")).toEqual({ ok: true });
  });

  it("counts each held send against the refusal budget, so that a client sending on regardless is cut", () => {
    const { send, at } = limiter(3);
    send("m1");
    expect(send("m2")).toMatchObject({ ok: false, flooding: false });
    at(150);
    expect(send("m3")).toMatchObject({ ok: false, flooding: false });
    expect(send("m4")).toMatchObject({ ok: false, flooding: true });
  });
});
