import { afterEach, describe, expect, it, vi } from "vitest";
import {
  RecipientCheckUnavailableError,
  WebhookRecipients,
} from "../../src/server/users/webhook-recipients.js";
import { type LocalHttp, sendJson, startLocalHttp } from "../auth/local-http.js";

/** A webhook that says the users of `existing` exist, and counts who it was asked about. */
async function directory(existing: string[]): Promise<LocalHttp> {
  return startLocalHttp((_req, res, body) => {
    const { user } = JSON.parse(body) as { user: string };
    sendJson(res, 200, { exists: existing.includes(user) });
  });
}

async function unavailable(answer: boolean | Promise<boolean>): Promise<unknown> {
  try {
    await answer;
  } catch (error) {
    return error;
  }
  throw new Error("the check did not fail");
}

describe("WebhookRecipients (mailbox.recipients: webhook) [LIMIT-8]", () => {
  let server: LocalHttp | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await server?.close();
    server = undefined;
  });

  it('posts {"user"} and believes the answer, yes and no', async () => {
    server = await directory(["bob"]);
    const recipients = new WebhookRecipients({ url: server.url, timeoutMs: 2000, cacheMs: 0 });
    expect(await recipients.has("bob")).toBe(true);
    expect(await recipients.has("mallory")).toBe(false);
    expect(server.requests).toEqual(['{"user":"bob"}', '{"user":"mallory"}']);
  });

  it("answers a cached user at once, without a second call, and the same user asked twice at once costs one call", async () => {
    server = await directory(["bob"]);
    const recipients = new WebhookRecipients({ url: server.url, timeoutMs: 2000, cacheMs: 60_000 });
    const [first, second] = await Promise.all([recipients.has("bob"), recipients.has("bob")]);
    expect([first, second]).toEqual([true, true]);
    expect(await recipients.has("carol")).toBe(false);
    // Cached, yes and no alike: answered without a promise.
    expect(recipients.has("bob")).toBe(true);
    expect(recipients.has("carol")).toBe(false);
    expect(server.requests).toEqual(['{"user":"bob"}', '{"user":"carol"}']);
  });

  it("asks again once cacheMs has passed", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    server = await directory(["bob"]);
    const recipients = new WebhookRecipients({ url: server.url, timeoutMs: 2000, cacheMs: 5000 });
    expect(await recipients.has("bob")).toBe(true);
    vi.advanceTimersByTime(4999);
    expect(recipients.has("bob")).toBe(true);
    vi.advanceTimersByTime(2);
    expect(await recipients.has("bob")).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it("fails as unavailable, with retryAfterMs, on a 500, a malformed answer or no answer in time, and caches no failure", async () => {
    let mode: "500" | "malformed" | "slow" = "500";
    server = await startLocalHttp((_req, res) => {
      if (mode === "500") sendJson(res, 500, { exists: true });
      else if (mode === "malformed") sendJson(res, 200, { exists: "yes" });
      // slow: never answers; the deadline ends the call.
    });
    const recipients = new WebhookRecipients({
      url: server.url,
      timeoutMs: 200,
      cacheMs: 60_000,
      circuitFailures: 10,
    });
    for (const next of ["500", "malformed", "slow"] as const) {
      mode = next;
      const error = await unavailable(recipients.has("bob"));
      expect(error).toBeInstanceOf(RecipientCheckUnavailableError);
      expect((error as RecipientCheckUnavailableError).retryAfterMs).toBeGreaterThan(0);
      // The URL may carry a secret: never in what a sender is told.
      expect((error as Error).message).not.toContain(server.url);
    }
    expect(server.requests).toHaveLength(3);
  });

  it("cuts off an answer longer than the body cap", async () => {
    server = await startLocalHttp((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"exists":true,"padding":"${"a".repeat(10_000)}"}`);
    });
    const recipients = new WebhookRecipients({
      url: server.url,
      timeoutMs: 2000,
      cacheMs: 0,
      maxBodyBytes: 1024,
    });
    const error = await unavailable(recipients.has("bob"));
    expect(error).toBeInstanceOf(RecipientCheckUnavailableError);
    expect(((error as Error).cause as Error).message).toMatch(/longer than 1024 bytes/);
  });

  it("opens its circuit after repeated failures and then refuses at once, without calling, until the cool-down", async () => {
    server = await startLocalHttp((_req, res) => sendJson(res, 503, {}));
    const warnings: string[] = [];
    const recipients = new WebhookRecipients({
      url: server.url,
      timeoutMs: 2000,
      cacheMs: 0,
      circuitFailures: 2,
      circuitCooldownMs: 30_000,
      warnings: { warn: (key) => warnings.push(key) },
    });
    await unavailable(recipients.has("a"));
    await unavailable(recipients.has("b"));
    expect(recipients.circuit).toBe("open");
    const refused = await unavailable(recipients.has("c"));
    expect((refused as RecipientCheckUnavailableError).retryAfterMs).toBeGreaterThan(29_000);
    expect(server.requests).toHaveLength(2);
    expect(warnings).toEqual(["recipient_webhook_circuit_open"]);
  });

  it("refuses a busy webhook at once when its queue is full", async () => {
    const held: Array<() => void> = [];
    server = await startLocalHttp((_req, res) => {
      held.push(() => sendJson(res, 200, { exists: true }));
    });
    const recipients = new WebhookRecipients({
      url: server.url,
      timeoutMs: 5000,
      cacheMs: 0,
      maxConcurrent: 1,
      maxQueued: 1,
    });
    const first = recipients.has("a");
    const second = recipients.has("b");
    const third = await unavailable(recipients.has("c"));
    expect((third as Error).message).toMatch(/busy/);
    await vi.waitFor(() => expect(held).toHaveLength(1));
    held[0]?.();
    expect(await first).toBe(true);
    await vi.waitFor(() => expect(held).toHaveLength(2));
    held[1]?.();
    expect(await second).toBe(true);
  });
});
