import { describe, expect, it } from "vitest";
import {
  parseInt64,
  supersedeByStartTime,
} from "../../src/server/dialects/gopostoffice/start-time.js";
import { ConnectionClaims, outranks } from "../../src/server/session/connection-claims.js";

describe("GO-POSTOFFICE's startTime", () => {
  it("reads as Go's strconv.ParseInt(s, 10, 64) with its error ignored: 0 when unparsable, clamped to int64", () => {
    expect(parseInt64("1700000000")).toBe(1700000000n);
    expect(parseInt64("+42")).toBe(42n);
    expect(parseInt64("-42")).toBe(-42n);
    expect(parseInt64("1733600000123")).toBe(1733600000123n);
    for (const text of ["1e3", " 5", "5 ", "0x10", "1_000", "12.5", "abc", "+", "-"]) {
      expect(parseInt64(text)).toBe(0n);
    }
    expect(parseInt64("99999999999999999999")).toBe(2n ** 63n - 1n);
    expect(parseInt64("-99999999999999999999")).toBe(-(2n ** 63n));
  });

  it("is now in Unix seconds when absent or empty, and only then wins a tie", () => {
    const now = Date.UTC(2026, 11, 8, 1, 2, 3, 999);
    for (const absent of [null, ""]) {
      expect(supersedeByStartTime("svc", absent, now)).toMatchObject({
        key: "svc",
        rank: BigInt(Math.floor(now / 1000)),
        winsTies: true,
      });
    }
    expect(supersedeByStartTime("svc", "7", now)).toMatchObject({ rank: 7n, winsTies: false });
    expect(supersedeByStartTime("svc", "7", now).refusal).toEqual({
      status: 409,
      reason: "newer_connection_exists",
      body: "Connection rejected: newer connection exists\n",
      contentType: "text/plain; charset=utf-8",
    });
  });
});

describe("the claims of one connection per key", () => {
  const holder = (isOpen = true) => ({ isOpen });

  it("lets a claim outrank a lower rank, and an equal one only when it wins ties", () => {
    expect(outranks({ key: "k", rank: 2n, winsTies: false }, 1n)).toBe(true);
    expect(outranks({ key: "k", rank: 1n, winsTies: false }, 1n)).toBe(false);
    expect(outranks({ key: "k", rank: 1n, winsTies: true }, 1n)).toBe(true);
    expect(outranks({ key: "k", rank: 0n, winsTies: true }, 1n)).toBe(false);
  });

  it("keeps the successor's hold when the connection it replaced goes away after it", () => {
    const claims = new ConnectionClaims<{ isOpen: boolean }>();
    const old = holder();
    const successor = holder();
    claims.hold({ key: "k", rank: 1n, winsTies: false }, old);
    claims.hold({ key: "k", rank: 2n, winsTies: false }, successor);
    claims.release(old);
    expect(claims.holding("k")).toEqual({ holder: successor, rank: 2n });
    claims.release(successor);
    expect(claims.holding("k")).toBeUndefined();
  });

  it("does not count a holder that is already closing", () => {
    const claims = new ConnectionClaims<{ isOpen: boolean }>();
    claims.hold({ key: "k", rank: 5n, winsTies: false }, holder(false));
    expect(claims.holding("k")).toBeUndefined();
  });
});
