import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  WebhookAuthenticator,
  type WebhookAuthenticatorOptions,
} from "../../src/server/auth/webhook-authenticator.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";
import { webhookTestOptions } from "./webhook-test-options.js";

describe("WebhookAuthenticator", () => {
  let server: LocalHttp | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function webhook(
    answer: (token: string, res: ServerResponse) => void,
    options: Partial<WebhookAuthenticatorOptions> = {},
  ): Promise<WebhookAuthenticator> {
    server = await startLocalHttp((_req, res, body) => {
      answer((JSON.parse(body) as { token: string }).token, res);
    });
    return new WebhookAuthenticator({ url: server.url, ...webhookTestOptions, ...options });
  }

  it("accepts a token the webhook answers 200 for, with roles and claims", async () => {
    const auth = await webhook((token, res) =>
      sendJson(res, 200, { user: `u-${token}`, roles: ["a", "b"], claims: { tenant: "t1" } }),
    );
    await expect(auth.authenticate({ token: "tok" })).resolves.toEqual({
      userId: "u-tok",
      roles: ["a", "b"],
      claims: { tenant: "t1" },
      anonymous: false,
    });
    expect(server?.requests).toEqual(['{"token":"tok"}']);
  });

  it.each(["userId", "sub"])("takes the user id from %s", async (field) => {
    const auth = await webhook((_token, res) => sendJson(res, 200, { [field]: "carol" }));
    await expect(auth.authenticate({ token: "t" })).resolves.toMatchObject({
      userId: "carol",
      roles: [],
      claims: {},
    });
  });

  it.each([401, 403])(
    "refuses a token the webhook answers %i for as token_rejected",
    async (status) => {
      const auth = await webhook((_token, res) => sendJson(res, status, { error: "no" }));
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "token_rejected",
      });
    },
  );

  it("says auth_unavailable when the webhook answers 5xx", async () => {
    const auth = await webhook((_token, res) => sendJson(res, 503, { error: "busy" }));
    await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "auth_unavailable",
    });
  });

  it("says auth_unavailable when the webhook does not answer in time", async () => {
    const auth = await webhook(() => undefined, { timeoutMs: 100 });
    await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "auth_unavailable",
      message: expect.stringContaining("timed out"),
    });
  });

  it("says auth_unavailable when the webhook cannot be reached", async () => {
    const gone = await startLocalHttp((_req, res) => sendJson(res, 200, {}));
    await gone.close();
    const auth = new WebhookAuthenticator({ url: gone.url, ...webhookTestOptions });
    await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "auth_unavailable",
    });
  });

  it("says auth_unavailable when a 200 answer is not JSON", async () => {
    const auth = await webhook((_token, res) => res.end("ok"));
    await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "auth_unavailable",
    });
  });

  it("refuses a 200 answer without a user as token_user_missing", async () => {
    const auth = await webhook((_token, res) => sendJson(res, 200, { roles: ["a"] }));
    await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "token_user_missing",
    });
  });

  it("reuses a successful answer for cacheTtlMs", async () => {
    const auth = await webhook((token, res) => sendJson(res, 200, { user: token }), {
      cacheTtlMs: 60_000,
    });
    await auth.authenticate({ token: "a" });
    const again = await auth.authenticate({ token: "a" });
    expect(again.userId).toBe("a");
    expect(server?.requests).toHaveLength(1);
  });

  it("asks again every time when the cache is off", async () => {
    const auth = await webhook((token, res) => sendJson(res, 200, { user: token }));
    await auth.authenticate({ token: "a" });
    await auth.authenticate({ token: "a" });
    expect(server?.requests).toHaveLength(2);
  });

  it("asks again about a refused token when the refusal cache is off", async () => {
    const auth = await webhook((_token, res) => sendJson(res, 401, {}), { cacheTtlMs: 60_000 });
    await expect(auth.authenticate({ token: "a" })).rejects.toMatchObject({
      reason: "token_rejected",
    });
    await expect(auth.authenticate({ token: "a" })).rejects.toMatchObject({
      reason: "token_rejected",
    });
    expect(server?.requests).toHaveLength(2);
  });

  it("drops the oldest cached answer when the cache is full", async () => {
    const auth = await webhook((token, res) => sendJson(res, 200, { user: token }), {
      cacheTtlMs: 60_000,
      maxCacheEntries: 2,
    });
    for (const token of ["a", "b", "c", "b", "c", "a"]) await auth.authenticate({ token });
    expect(server?.requests).toEqual(
      ["a", "b", "c", "a"].map((token) => JSON.stringify({ token })),
    );
  });

  it("refuses a configuration whose url is not a URL", () => {
    expect(() => new WebhookAuthenticator({ url: "nope", ...webhookTestOptions })).toThrow(
      /auth\.webhook\.url/,
    );
  });

  describe("refusal cache", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("answers a refused token from memory for refusalCacheTtlMs, then asks again", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const auth = await webhook((_token, res) => sendJson(res, 403, {}), {
        refusalCacheTtlMs: 5000,
      });
      for (let i = 0; i < 3; i++) {
        await expect(auth.authenticate({ token: "bad" })).rejects.toMatchObject({
          reason: "token_rejected",
        });
      }
      expect(server?.requests).toHaveLength(1);
      vi.advanceTimersByTime(5001);
      await expect(auth.authenticate({ token: "bad" })).rejects.toMatchObject({
        reason: "token_rejected",
      });
      expect(server?.requests).toHaveLength(2);
    });

    it("does not remember a failure as a refusal", async () => {
      const auth = await webhook((_token, res) => sendJson(res, 500, {}), {
        refusalCacheTtlMs: 5000,
      });
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
      expect(server?.requests).toHaveLength(2);
    });
  });

  it("asks once for a token that several handshakes present at the same time", async () => {
    const auth = await webhook((token, res) =>
      setTimeout(() => sendJson(res, 200, { user: token }), 50),
    );
    const identities = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate({ token: "same" })),
    );
    expect(identities.map((identity) => identity.userId)).toEqual(Array(10).fill("same"));
    expect(server?.requests).toHaveLength(1);
  });
});
