import { expect, it } from "vitest";
import type { RateLimitStore } from "../../src/server/events/rate-limit-store.js";

/**
 * What every RateLimitStore must do (rate-limit-store.ts). `advance` moves the store's clock:
 * a fake clock for memory, a real wait for Redis (whose keys expire on Redis's clock).
 */
export function rateLimitStoreContract(
  make: () => Promise<{ store: RateLimitStore; advance: (ms: number) => Promise<void> }>,
): void {
  it("allows the first `limit` hits of a window and refuses the next with the time left", async () => {
    const { store, advance } = await make();
    for (let i = 0; i < 3; i++) expect(await store.hit("k", 3, 1_000)).toEqual({ allowed: true });
    await advance(400);
    const refused = await store.hit("k", 3, 1_000);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(600);
    }
  });

  it("opens a new window after the last one closed", async () => {
    const { store, advance } = await make();
    expect(await store.hit("k", 1, 500)).toEqual({ allowed: true });
    expect((await store.hit("k", 1, 500)).allowed).toBe(false);
    await advance(500);
    expect(await store.hit("k", 1, 500)).toEqual({ allowed: true });
  });

  it("counts each key on its own", async () => {
    const { store } = await make();
    expect(await store.hit("a", 1, 1_000)).toEqual({ allowed: true });
    expect(await store.hit("b", 1, 1_000)).toEqual({ allowed: true });
    expect((await store.hit("a", 1, 1_000)).allowed).toBe(false);
  });

  it("counts hits made at once exactly once each", async () => {
    const { store } = await make();
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => store.hit("k", 7, 10_000)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
  });
}
