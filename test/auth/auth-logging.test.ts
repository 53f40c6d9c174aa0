import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthError } from "../../src/server/auth/authenticator.js";
import { LoggedAuthenticator } from "../../src/server/auth/logged-authenticator.js";
import { buildAuthenticator } from "../../src/server/compose/authenticator.js";
import type { AuthConfig } from "../../src/server/config/config.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";
import { webhookTestOptions } from "./webhook-test-options.js";

function authConfig(overrides: Partial<AuthConfig>): AuthConfig {
  return {
    timeoutMs: 5000,
    queryParam: "token",
    cookieName: "session-token",
    tokens: [],
    anonymous: { enabled: false, allowNonLoopback: false },
    ...overrides,
  };
}

function recordingLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const record = (level: string) => (obj: object, msg: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}

describe("what a failing authenticator logs", () => {
  let server: LocalHttp | undefined;
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "postoffice-auth-log-"));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("logs a webhook answering 500 to 300 handshakes as one line per 10 s, with the count held back and no stack", async () => {
    // The log throttle reads node:perf_hooks' clock, which fake timers leave alone: move it by hand.
    const realNow = performance.now.bind(performance);
    let skipped = 0;
    vi.spyOn(performance, "now").mockImplementation(() => realNow() + skipped);
    server = await startLocalHttp((_req, res) => sendJson(res, 500, { error: "down" }));
    const log = recordingLog();
    const { authenticator } = await buildAuthenticator(
      authConfig({ webhook: { ...webhookTestOptions, url: server.url, circuitFailures: 1000 } }),
      dataDir,
      log,
    );
    const startLines = log.lines.length;
    for (let i = 0; i < 300; i++) {
      await expect(authenticator.authenticate({ token: `bad-${i}` })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
    }
    const outage = log.lines.slice(startLines);
    expect(server.requests).toHaveLength(300);
    expect(outage).toEqual([
      {
        level: "warn",
        msg: "authentication unavailable",
        obj: {
          authenticator: "webhook",
          detail: "the auth webhook answered 500",
          refusal: "auth_unavailable:webhook",
          suppressedSinceLast: 0,
        },
      },
    ]);
    expect(JSON.stringify(outage)).not.toMatch(/stack|at .*\.ts/);

    skipped = 10_000;
    await authenticator.authenticate({ token: "bad-301" }).catch(() => undefined);
    expect(log.lines.slice(startLines + 1)).toEqual([
      expect.objectContaining({ obj: expect.objectContaining({ suppressedSinceLast: 299 }) }),
    ]);
  });

  it("logs the circuit opening once, and the outage once, while the breaker answers", async () => {
    server = await startLocalHttp((_req, res) => sendJson(res, 502, {}));
    const log = recordingLog();
    const { authenticator } = await buildAuthenticator(
      authConfig({ webhook: { ...webhookTestOptions, url: server.url, circuitFailures: 3 } }),
      dataDir,
      log,
    );
    const startLines = log.lines.length;
    for (let i = 0; i < 100; i++) {
      await authenticator.authenticate({ token: `t${i}` }).catch(() => undefined);
    }
    expect(server.requests).toHaveLength(3);
    expect(log.lines.slice(startLines).map((line) => line.obj.refusal)).toEqual([
      "auth_unavailable:webhook",
      "auth_webhook_circuit_open",
    ]);
  });

  it("logs a JWKS outage through the same throttle", async () => {
    server = await startLocalHttp((_req, res) => sendJson(res, 503, {}));
    const log = recordingLog();
    const { authenticator } = await buildAuthenticator(
      authConfig({
        jwt: { userClaim: "sub", rolesClaim: "roles", clockToleranceSec: 5, jwksUrl: server.url },
      }),
      dataDir,
      log,
    );
    const { privateKey } = await generateKeyPair("RS256");
    const startLines = log.lines.length;
    for (let i = 0; i < 20; i++) {
      const token = await new SignJWT({ sub: `u${i}` })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(privateKey);
      await expect(authenticator.authenticate({ token })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
    }
    const lines = log.lines.slice(startLines);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toMatchObject({ refusal: "auth_unavailable:jwt", authenticator: "jwt" });
    expect(lines[0]?.obj).not.toHaveProperty("err");
  });

  it("does not log refused tokens: they are the client's business, and counted in the metrics", async () => {
    server = await startLocalHttp((_req, res) => sendJson(res, 401, {}));
    const log = recordingLog();
    const { authenticator } = await buildAuthenticator(
      authConfig({ webhook: { ...webhookTestOptions, url: server.url } }),
      dataDir,
      log,
    );
    const startLines = log.lines.length;
    for (let i = 0; i < 20; i++) {
      await expect(authenticator.authenticate({ token: `t${i}` })).rejects.toMatchObject({
        reason: "token_rejected",
      });
    }
    expect(log.lines.slice(startLines)).toEqual([]);
  });
});

describe("LoggedAuthenticator", () => {
  it("keeps the stack of an unexpected failure, throttled, and answers auth_unavailable", async () => {
    const warnings: { key: string; details: Record<string, unknown> }[] = [];
    const seen = new Set<string>();
    const broken = new LoggedAuthenticator(
      "custom",
      {
        authenticate: () => Promise.reject(new TypeError("a bug")),
      },
      {
        warn: (key, details) => {
          if (seen.has(key)) return;
          seen.add(key);
          warnings.push({ key, details });
        },
      },
    );
    for (let i = 0; i < 5; i++) {
      const error = await broken.authenticate({ token: "t" }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ reason: "auth_unavailable" });
    }
    expect(warnings).toEqual([
      {
        key: "authenticator_failed:custom",
        details: expect.objectContaining({ err: expect.any(TypeError) }),
      },
    ]);
  });
});
