import { describe, expect, it } from "vitest";
import { AddressBudget, addressKey } from "../../src/server/auth/address-budget.js";

describe("addressKey", () => {
  it("counts an IPv4-mapped IPv6 address as the IPv4 address", () => {
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses per /64", () => {
    expect(addressKey("2001:db8:1:2::1")).toBe(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    expect(addressKey("2001:db8:1:2::1")).not.toBe(addressKey("2001:db8:1:3::1"));
    expect(addressKey("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
  });

  it("keeps anything that is not an IP address as it is", () => {
    expect(addressKey("unix-socket")).toBe("unix-socket");
  });
});

describe("AddressBudget", () => {
  it("refills one attempt per windowMs / budget and forgets the oldest past maxAddresses", () => {
    let now = 0;
    const budget = new AddressBudget({
      budget: 2,
      windowMs: 1000,
      maxAddresses: 2,
      clock: () => now,
    });
    expect(budget.take("10.0.0.1")).toEqual({ ok: true });
    expect(budget.take("10.0.0.1")).toEqual({ ok: true });
    expect(budget.take("10.0.0.1")).toEqual({ ok: false, retryAfterMs: 500 });
    now = 500;
    expect(budget.take("10.0.0.1")).toEqual({ ok: true });
    budget.take("10.0.0.2");
    budget.take("10.0.0.3");
    // 10.0.0.1 was forgotten, so it starts with a full budget again.
    expect(budget.take("10.0.0.1")).toEqual({ ok: true });
  });
});
