import { describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

describe("server API keys and scopes", () => {
  const t = useTestServer();

  it("answers 404 on every API path when no key is configured, never opening the API", async () => {
    const { httpUrl } = await t.start();
    for (const [method, path] of [
      ["POST", "/api/v1/publish"],
      ["GET", "/api/v1/openapi.json"],
      ["GET", "/api/v1/presence/lobby"],
    ] as const) {
      const answer = await api(httpUrl, method, path, {
        key: KEYS.publisher,
        body: method === "POST" ? { to: "bob", data: {} } : undefined,
      });
      expect(answer.status).toBe(404);
      expect(errorOf(answer).code).toBe("not_found");
      expect(errorOf(answer).message).toContain("api.keys");
    }
  });

  it("refuses a missing or wrong key with 401 and WWW-Authenticate, never echoing the key", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const missing = await api(httpUrl, "POST", "/api/v1/publish", {
      body: { to: "bob", data: {} },
    });
    expect(missing.status).toBe(401);
    expect(errorOf(missing).code).toBe("unauthorized");
    expect(missing.headers["www-authenticate"]).toContain("Bearer");
    const wrong = "wrong-key-that-nobody-configured";
    const refused = await api(httpUrl, "POST", "/api/v1/publish", {
      key: wrong,
      body: { to: "bob", data: {} },
    });
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain(wrong);
    const otherScheme = await api(httpUrl, "GET", "/api/v1/presence/lobby", {
      headers: { authorization: `Basic ${KEYS.reader}` },
    });
    expect(otherScheme.status).toBe(401);
  });

  it("takes the key from Authorization: Bearer or from X-API-Key", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bearer = await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.reader });
    const header = await api(httpUrl, "GET", "/api/v1/presence/lobby", {
      key: KEYS.reader,
      via: "header",
    });
    expect(bearer.status).toBe(200);
    expect(header.status).toBe(200);
  });

  it("refuses a key without the route's scope with 403, and lets admin do everything", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const readerPublishes = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.reader,
      body: { to: "bob", data: {} },
    });
    expect(readerPublishes.status).toBe(403);
    expect(errorOf(readerPublishes).code).toBe("insufficient_scope");
    const publisherReads = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox", {
      key: KEYS.publisher,
    });
    expect(publisherReads.status).toBe(403);
    const readerDisconnects = await api(httpUrl, "POST", "/api/v1/users/bob/disconnect", {
      key: KEYS.reader,
    });
    expect(readerDisconnects.status).toBe(403);
    const adminReads = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox", { key: KEYS.admin });
    expect(adminReads.status).toBe(200);
    const adminPublishes = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.admin,
      body: { to: "bob", data: { text: "hi" } },
    });
    expect(adminPublishes.status).toBe(202);
  });

  it("answers 429 with Retry-After once a key has spent its rate", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      api: { ...API_CONFIG.api, rate: { perSecond: 1, burst: 3 } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.reader })).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.reader });
    expect(refused.headers["retry-after"]).toBe("1");
    expect(errorOf(refused).code).toBe("rate_limited");
    // Another key has its own bucket.
    expect((await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.admin })).status).toBe(
      200,
    );
  });

  it("answers 429 to an address that keeps presenting wrong keys", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const statuses = new Set<number>();
    for (let i = 0; i < 35; i++) {
      const answer = await api(httpUrl, "GET", "/api/v1/presence/lobby", {
        key: `guess-${i}-0123456789`,
      });
      statuses.add(answer.status);
    }
    expect([...statuses]).toEqual([401, 429]);
  });

  it("marks every answer JSON, uncached and not to be sniffed", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    for (const answer of [
      await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.reader }),
      await api(httpUrl, "GET", "/api/v1/presence/lobby"),
      await api(httpUrl, "GET", "/api/v1/nothing-here", { key: KEYS.reader }),
    ]) {
      expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["cache-control"]).toBe("no-store");
    }
  });
});
