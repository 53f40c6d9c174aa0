import { describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

interface BatchBody {
  results: Array<{
    status: number;
    accepted?: Array<{ id: string; to?: string }>;
    error?: { code: string };
  }>;
}

describe("POST /api/v1/batch", () => {
  const t = useTestServer();
  const batch = (httpUrl: string, items: unknown[], headers: Record<string, string> = {}) =>
    api(httpUrl, "POST", "/api/v1/batch", { key: KEYS.publisher, body: { items }, headers });

  it("answers each item as a publish would, in order; one refused does not stop the others", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const answer = await batch(httpUrl, [
      { to: "bob", data: { n: 1 } },
      { broadcast: true, data: { n: 2 } },
      { to: "bob", data: { n: 3 } },
    ]);
    expect(answer.status).toBe(200);
    const { results } = answer.body as BatchBody;
    expect(results.map((result) => result.status)).toEqual([202, 403, 202]);
    expect(results[1]?.error?.code).toBe("forbidden");
    const bodies = [await bob.nextOfType("message"), await bob.nextOfType("message")].map(
      (frame) => frame.data?.body,
    );
    expect(bodies).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it("keeps the order of items for one mailbox", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const items = Array.from({ length: 50 }, (_, n) => ({ to: "bob", data: { n } }));
    expect((await batch(httpUrl, items)).status).toBe(200);
    const mailbox = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox", { key: KEYS.reader });
    const entries = (mailbox.body as { entries: Array<{ seq: number; body: { n: number } }> })
      .entries;
    expect(entries.map((entry) => entry.body.n)).toEqual(items.map((item) => item.data.n));
  });

  it("refuses a malformed item before publishing any, pointing under /items", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const answer = await batch(httpUrl, [{ to: "bob", data: {} }, { to: "bob" }]);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).pointer).toBe("/items/1");
    const mailbox = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox", { key: KEYS.reader });
    expect((mailbox.body as { entries: unknown[] }).entries).toEqual([]);
  });

  it("refuses an empty batch and one over api.maxBatchItems", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      api: { ...API_CONFIG.api, maxBatchItems: 3 },
    });
    expect(errorOf(await batch(httpUrl, [])).pointer).toBe("/items");
    const over = await batch(
      httpUrl,
      Array.from({ length: 4 }, () => ({ to: "bob", data: {} })),
    );
    expect(over.status).toBe(400);
    expect(errorOf(over).message).toContain("api.maxBatchItems");
  });

  it("makes a retried batch land once with Idempotency-Key, item by item", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const items = [
      { to: "bob", data: { n: 1 } },
      { to: "bob", data: { n: 2 } },
    ];
    const first = await batch(httpUrl, items, { "idempotency-key": "nightly-7" });
    const again = await batch(httpUrl, items, { "idempotency-key": "nightly-7" });
    expect(again.body).toEqual(first.body);
    const mailbox = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox", { key: KEYS.reader });
    expect((mailbox.body as { entries: unknown[] }).entries).toHaveLength(2);
  });

  it("spends one token of the key's rate per item", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      api: { ...API_CONFIG.api, rate: { perSecond: 1, burst: 10 } },
    });
    const items = Array.from({ length: 10 }, () => ({ to: "bob", data: {} }));
    expect((await batch(httpUrl, items)).status).toBe(200);
    const next = await batch(httpUrl, [{ to: "bob", data: {} }]);
    expect(next.status).toBe(429);
  });
});
