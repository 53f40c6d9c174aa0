import { describe, expect, it } from "vitest";
import { MemoryRateLimitStore } from "../../src/server/events/memory-rate-limit-store.js";
import { rateLimitStoreContract } from "./rate-limit-store.contract.js";

describe("MemoryRateLimitStore", () => {
  rateLimitStoreContract(async () => {
    let now = 0;
    return {
      store: new MemoryRateLimitStore(() => now),
      advance: async (ms) => {
        now += ms;
      },
    };
  });

  it("stays within maxKeys, sweeping closed windows first, then the oldest open one", () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now, 3);
    store.hit("a", 1, 100);
    store.hit("b", 1, 1_000);
    store.hit("c", 1, 1_000);
    now = 200;
    store.hit("d", 1, 1_000);
    expect(store.size).toBe(3);
    store.hit("e", 1, 1_000);
    expect(store.size).toBe(3);
    // "b" was the oldest open window: forgotten, so its subject starts afresh (never refused wrongly).
    expect(store.hit("b", 1, 1_000)).toEqual({ allowed: true });
  });
});
