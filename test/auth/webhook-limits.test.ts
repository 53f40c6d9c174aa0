import type { ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  WebhookAuthenticator,
  type WebhookAuthenticatorOptions,
} from "../../src/server/auth/webhook-authenticator.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";
import { webhookTestOptions } from "./webhook-test-options.js";

/** Writes `total` bytes of a JSON string that never ends, minding backpressure; resolves with what was written once the connection closes. */
function streamEndlessJson(res: ServerResponse, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  let written = 0;
  return new Promise((resolve) => {
    res.on("close", () => resolve(written));
    res.write('{"user":"alice","padding":"');
    const pump = (): void => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end('"}');
    };
    pump();
  });
}

/** The highest heap + ArrayBuffer use seen while `work` runs, above what it was before. */
async function peakMemoryGrowth(work: () => Promise<unknown>): Promise<number> {
  const used = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const before = used();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, used());
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
    peak = Math.max(peak, used());
  }
  return peak - before;
}

const MB = 1024 * 1024;

describe("WebhookAuthenticator limits", () => {
  let server: LocalHttp | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await server?.close();
    server = undefined;
  });

  async function webhook(
    answer: (res: ServerResponse, token: string) => void,
    options: Partial<WebhookAuthenticatorOptions> = {},
  ): Promise<WebhookAuthenticator> {
    server = await startLocalHttp((_req, res, body) => {
      answer(res, (JSON.parse(body) as { token: string }).token);
    });
    return new WebhookAuthenticator({ url: server.url, ...webhookTestOptions, ...options });
  }

  /** A webhook that holds every request until the test answers it. */
  async function heldWebhook(options: Partial<WebhookAuthenticatorOptions> = {}) {
    const held: ServerResponse[] = [];
    let waiting: { count: number; resolve: () => void } | undefined;
    const auth = await webhook((res) => {
      held.push(res);
      if (waiting !== undefined && held.length >= waiting.count) waiting.resolve();
    }, options);
    const arrived = (count: number) =>
      new Promise<void>((resolve) => {
        if (held.length >= count) resolve();
        else waiting = { count, resolve };
      });
    return { auth, held, arrived };
  }

  describe("the answer's size", () => {
    it("refuses a 256 MB answer after maxBodyBytes, without reading or holding the rest", async () => {
      let written: Promise<number> | undefined;
      const auth = await webhook((res) => {
        res.writeHead(200, { "content-type": "application/json" });
        written = streamEndlessJson(res, 256 * MB);
      });
      const growth = await peakMemoryGrowth(() =>
        expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
          reason: "auth_unavailable",
          message: expect.stringContaining("longer than 65536 bytes"),
        }),
      );
      // What the sockets' buffers took before the client hung up, not the 256 MB.
      expect(await written).toBeLessThan(32 * MB);
      expect(growth).toBeLessThan(48 * MB);
    });

    it("refuses at once an answer whose Content-Length is over maxBodyBytes", async () => {
      let written: Promise<number> | undefined;
      const auth = await webhook((res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": 300 * MB });
        written = streamEndlessJson(res, 300 * MB);
      });
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("longer than"),
      });
      expect(await written).toBeLessThan(32 * MB);
    });

    it("counts the bytes after decompression, so a small gzip bomb is refused too", async () => {
      const bomb = gzipSync(`{"user":"alice","padding":"${"a".repeat(8 * MB)}"}`);
      expect(bomb.length).toBeLessThan(65536);
      const auth = await webhook((res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        res.end(bomb);
      });
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("longer than"),
      });
    });

    it("accepts an answer just under maxBodyBytes", async () => {
      const auth = await webhook(
        (res) => sendJson(res, 200, { user: "alice", padding: "a".repeat(900) }),
        { maxBodyBytes: 1024 },
      );
      await expect(auth.authenticate({ token: "t" })).resolves.toMatchObject({ userId: "alice" });
    });
  });

  describe("the deadline", () => {
    it("cuts an answer whose body trickles in past timeoutMs", async () => {
      let closed: Promise<void> | undefined;
      const auth = await webhook(
        (res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.write('{"user":"');
          const drip = setInterval(() => res.write("a"), 20);
          closed = new Promise((resolve) =>
            res.on("close", () => {
              clearInterval(drip);
              resolve();
            }),
          );
        },
        { timeoutMs: 300 },
      );
      await expect(auth.authenticate({ token: "t" })).rejects.toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("timed out"),
      });
      await closed;
    });

    it("counts the wait for a free slot within the same deadline", async () => {
      const { auth, arrived } = await heldWebhook({ maxConcurrent: 1, timeoutMs: 2000 });
      // Only the deadlines' timers are fake: both calls reach theirs in one step.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const first = auth.authenticate({ token: "first" }).catch((error: unknown) => error);
      await arrived(1);
      const second = auth.authenticate({ token: "second" }).catch((error: unknown) => error);
      vi.advanceTimersByTime(2000);
      expect(await second).toMatchObject({
        reason: "auth_unavailable",
        message: "no free call slot for the auth webhook within 2000 ms",
      });
      expect(await first).toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("timed out"),
      });
      expect(server?.requests).toEqual(['{"token":"first"}']);
    });
  });

  describe("concurrency", () => {
    it("keeps maxConcurrent calls in flight, queues maxQueued, and refuses the rest at once", async () => {
      const { auth, held, arrived } = await heldWebhook({ maxConcurrent: 2, maxQueued: 1 });
      const calls = ["t1", "t2", "t3"].map((token) => auth.authenticate({ token }));
      await arrived(2);
      for (const token of ["t4", "t5"]) {
        await expect(auth.authenticate({ token })).rejects.toMatchObject({
          reason: "auth_unavailable",
          message: expect.stringContaining("busy"),
        });
      }
      expect(server?.requests).toHaveLength(2);
      held[0] && sendJson(held[0], 200, { user: "one" });
      await arrived(3);
      expect(server?.requests).toHaveLength(3);
      for (const res of held.slice(1)) sendJson(res, 200, { user: "more" });
      await expect(Promise.all(calls)).resolves.toHaveLength(3);
      expect(server?.requests).toHaveLength(3);
    });

    it("ends the calls in flight when closed", async () => {
      const { auth, arrived } = await heldWebhook({ timeoutMs: 15_000 });
      const call = auth.authenticate({ token: "t" });
      await arrived(1);
      await auth.close();
      await expect(call).rejects.toMatchObject({ reason: "auth_unavailable" });
    });
  });

  describe("circuit breaker", () => {
    function recordingWarnings() {
      const keys: string[] = [];
      return { keys, warn: (key: string) => void keys.push(key) };
    }

    it("opens after circuitFailures failures in a row and then answers at once, without calling", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const warnings = recordingWarnings();
      const auth = await webhook((res) => sendJson(res, 500, {}), {
        circuitFailures: 3,
        circuitCooldownMs: 10_000,
        warnings,
      });
      for (const token of ["a", "b", "c"]) {
        await expect(auth.authenticate({ token })).rejects.toMatchObject({
          reason: "auth_unavailable",
          message: expect.stringContaining("answered 500"),
        });
      }
      expect(auth.circuit).toBe("open");
      expect(warnings.keys).toEqual(["auth_webhook_circuit_open"]);
      vi.advanceTimersByTime(4000);
      const refusal = await auth.authenticate({ token: "d" }).catch((error: unknown) => error);
      expect(refusal).toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("circuit is open"),
        retryAfterMs: 6000,
      });
      expect(server?.requests).toHaveLength(3);
    });

    it("lets one probe through after the cool-down and closes when it is answered", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const warnings = recordingWarnings();
      let status = 500;
      const auth = await webhook((res, token) => sendJson(res, status, { user: token }), {
        circuitFailures: 2,
        circuitCooldownMs: 10_000,
        warnings,
      });
      for (const token of ["a", "b"]) await auth.authenticate({ token }).catch(() => undefined);
      expect(auth.circuit).toBe("open");
      status = 200;
      await expect(auth.authenticate({ token: "c" })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
      vi.advanceTimersByTime(10_000);
      await expect(auth.authenticate({ token: "probe" })).resolves.toMatchObject({
        userId: "probe",
      });
      expect(auth.circuit).toBe("closed");
      await expect(auth.authenticate({ token: "after" })).resolves.toMatchObject({
        userId: "after",
      });
      expect(warnings.keys).toEqual(["auth_webhook_circuit_open", "auth_webhook_circuit_closed"]);
    });

    it("refuses other calls while the probe is out, and opens again when the probe fails", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const { auth, held, arrived } = await heldWebhook({
        circuitFailures: 1,
        circuitCooldownMs: 10_000,
      });
      const first = auth.authenticate({ token: "a" });
      await arrived(1);
      held[0] && sendJson(held[0], 502, {});
      await expect(first).rejects.toMatchObject({ reason: "auth_unavailable" });
      expect(auth.circuit).toBe("open");

      vi.advanceTimersByTime(10_000);
      const probe = auth.authenticate({ token: "probe" });
      await arrived(2);
      expect(auth.circuit).toBe("half_open");
      await expect(auth.authenticate({ token: "other" })).rejects.toMatchObject({
        reason: "auth_unavailable",
        retryAfterMs: 10_000,
      });
      held[1] && sendJson(held[1], 503, {});
      await expect(probe).rejects.toMatchObject({ reason: "auth_unavailable" });
      expect(auth.circuit).toBe("open");
      await expect(auth.authenticate({ token: "later" })).rejects.toMatchObject({
        message: expect.stringContaining("circuit is open"),
      });
      expect(server?.requests).toHaveLength(2);
    });

    it("counts a refusal (401) as an answer: the circuit stays closed", async () => {
      const auth = await webhook((res) => sendJson(res, 401, {}), { circuitFailures: 2 });
      for (const token of ["a", "b", "c"]) {
        await expect(auth.authenticate({ token })).rejects.toMatchObject({
          reason: "token_rejected",
        });
      }
      expect(auth.circuit).toBe("closed");
    });
  });

  describe("per-address budget while the webhook fails", () => {
    it("does not ration an address while the webhook answers", async () => {
      const auth = await webhook((res, token) => sendJson(res, 200, { user: token }), {
        addressBudget: 2,
      });
      for (let i = 0; i < 10; i++) {
        await auth.authenticate({ token: `t${i}`, address: "203.0.113.7" });
      }
      expect(server?.requests).toHaveLength(10);
    });

    it("gives each address addressBudget attempts per window, then refuses at once with a retry hint", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      let status = 500;
      const auth = await webhook((res, token) => sendJson(res, status, { user: token }), {
        circuitFailures: 100,
        addressBudget: 2,
        addressWindowMs: 60_000,
      });
      const attempt = (token: string, address: string) =>
        auth.authenticate({ token, address }).catch((error: unknown) => error);
      // The first failure makes the webhook "failing"; from then on attempts are rationed.
      await attempt("x0", "203.0.113.7");
      expect(await attempt("x1", "203.0.113.7")).toMatchObject({
        message: "the auth webhook answered 500",
      });
      expect(await attempt("x2", "203.0.113.7")).toMatchObject({
        message: "the auth webhook answered 500",
      });
      expect(await attempt("x3", "203.0.113.7")).toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("spent its attempts"),
        retryAfterMs: 30_000,
      });
      expect(server?.requests).toHaveLength(3);

      // Another address has its own budget; one IPv6 /64 is one budget.
      expect(await attempt("y1", "198.51.100.1")).toMatchObject({
        message: "the auth webhook answered 500",
      });
      await attempt("v1", "2001:db8:1:2::1");
      await attempt("v2", "2001:db8:1:2::2");
      expect(await attempt("v3", "2001:db8:1:2:ffff::3")).toMatchObject({
        message: expect.stringContaining("spent its attempts"),
      });
      expect(server?.requests).toHaveLength(6);

      vi.advanceTimersByTime(30_000);
      expect(await attempt("x4", "203.0.113.7")).toMatchObject({
        message: "the auth webhook answered 500",
      });
      expect(await attempt("x5", "203.0.113.7")).toMatchObject({
        message: expect.stringContaining("spent its attempts"),
      });

      // Once the webhook answers again, nobody is rationed.
      status = 200;
      await expect(
        auth.authenticate({ token: "ok", address: "198.51.100.1" }),
      ).resolves.toMatchObject({
        userId: "ok",
      });
      await expect(
        auth.authenticate({ token: "x6", address: "203.0.113.7" }),
      ).resolves.toMatchObject({
        userId: "x6",
      });
    });

    it("rations attempts while the circuit is open too", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const auth = await webhook((res) => sendJson(res, 500, {}), {
        circuitFailures: 1,
        circuitCooldownMs: 10_000,
        addressBudget: 1,
        addressWindowMs: 60_000,
      });
      await auth.authenticate({ token: "a" }).catch(() => undefined);
      expect(auth.circuit).toBe("open");
      await expect(auth.authenticate({ token: "b", address: "203.0.113.9" })).rejects.toMatchObject(
        {
          message: expect.stringContaining("circuit is open"),
          retryAfterMs: 10_000,
        },
      );
      await expect(auth.authenticate({ token: "c", address: "203.0.113.9" })).rejects.toMatchObject(
        {
          message: expect.stringContaining("spent its attempts"),
          retryAfterMs: 60_000,
        },
      );
    });
  });
});
