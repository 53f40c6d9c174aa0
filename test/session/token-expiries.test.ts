import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenExpiries } from "../../src/server/session/token-expiries.js";

describe("TokenExpiries: sessions by the instant their credential runs out [AUTH-2]", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires every member of an instant when it comes, with one timer for all of them", () => {
    const expired: string[] = [];
    const expiries = new TokenExpiries<string>((member) => expired.push(member));
    const at = Date.now() + 60_000;
    for (const member of ["ann", "bob", "cy"]) expiries.watch(member, at);
    expect(expiries.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(59_999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["ann", "bob", "cy"]);
    expect(expiries.size).toBe(0);
  });

  it("does not expire a member it was told to forget, and drops an instant left empty", () => {
    const expired: string[] = [];
    const expiries = new TokenExpiries<string>((member) => expired.push(member));
    const at = Date.now() + 1_000;
    expiries.watch("ann", at);
    expiries.watch("bob", at);
    expiries.forget("ann", at);
    expiries.watch("cy", at + 1_000);
    expiries.forget("cy", at + 1_000);
    expect(expiries.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(expired).toEqual(["bob"]);
  });

  it("waits out an instant further away than one timer can reach", () => {
    const expired: string[] = [];
    const expiries = new TokenExpiries<string>((member) => expired.push(member));
    const farMs = 2_147_483_647 + 10_000;
    expiries.watch("ann", Date.now() + farMs);
    vi.advanceTimersByTime(2_147_483_647);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual(["ann"]);
  });
});
