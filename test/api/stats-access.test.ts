import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiHandler } from "../../src/server/api/api-handler.js";
import { ApiKeys, type ApiScope } from "../../src/server/api/api-keys.js";
import { statsAccess } from "../../src/server/api/stats-access.js";
import { LogThrottle } from "../../src/server/log/log-throttle.js";
import { createLogger } from "../../src/server/log/logger.js";
import { type ChildServer, freePort, runCli, waitForLog } from "../support/child-server.js";
import { JWT_SECRET } from "../support/test-server.js";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

/** The server API's own key check, with the keys every API test configures. */
function keyCheck(
  keys: ReadonlyArray<{ key: string; name: string; scopes: string[] }> = API_CONFIG.api.keys,
): ApiHandler {
  const log = createLogger({ level: "silent", format: "json" });
  return new ApiHandler({
    keys: new ApiKeys(
      keys.map(({ key, name, scopes }) => ({ key, name, scopes: scopes as ApiScope[], roles: [] })),
    ),
    routes: [],
    rate: { perSecond: 0, burst: 0 },
    maxBodyBytes: 1024,
    ready: () => true,
    log,
    throttle: new LogThrottle(log),
  });
}

/** The parts of a request the check reads: its headers and the client's address. */
function request(key?: string): IncomingMessage {
  const headers = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return { headers, socket: { remoteAddress: "127.0.0.1" } } as unknown as IncomingMessage;
}

describe("who may read the dashboard's data (/api/stats)", () => {
  it("stays open on a loopback host: 127.0.0.0/8, ::1 and localhost", () => {
    for (const host of [
      "127.0.0.1",
      "127.5.6.7",
      "::1",
      "localhost",
      "LOCALHOST",
      "::ffff:127.0.0.1",
    ]) {
      expect(statsAccess(host, keyCheck())(request()), host).toBeUndefined();
      expect(statsAccess(host, keyCheck([]))(request()), host).toBeUndefined();
    }
  });

  it("takes a key with the read or admin scope on any other host", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.20", "example.com", "127.1", "128.0.0.1"]) {
      const access = statsAccess(host, keyCheck());
      expect(access(request(KEYS.reader)), host).toBeUndefined();
      expect(access(request(KEYS.admin)), host).toBeUndefined();
      const missing = access(request());
      expect(missing?.status, host).toBe(401);
      expect(missing?.body.error.code).toBe("unauthorized");
      expect(missing?.headers["www-authenticate"]).toContain("Bearer");
      const wrong = access(request("a-key-nobody-configured-0123"));
      expect(wrong?.status).toBe(401);
      expect(JSON.stringify(wrong)).not.toContain("a-key-nobody-configured-0123");
      const publisher = access(request(KEYS.publisher));
      expect(publisher?.status).toBe(403);
      expect(publisher?.body.error.code).toBe("insufficient_scope");
    }
  });

  it("admits without a key what the metrics guard admits; without keys, answers with the guard's refusal", () => {
    const guardRefusal = {
      status: 403,
      headers: {},
      body: { error: { code: "forbidden" as const, message: "not from ops" } },
    };
    const fromOps = (req: IncomingMessage) =>
      req.headers["x-from"] === "ops" ? undefined : guardRefusal;
    const ops = { ...request(), headers: { "x-from": "ops" } } as unknown as IncomingMessage;
    for (const host of ["0.0.0.0", "127.0.0.1"]) {
      // A guard the operator set guards a loopback host too.
      const access = statsAccess(host, keyCheck([]), fromOps);
      expect(access(ops)).toBeUndefined();
      expect(access(request())).toEqual(guardRefusal);
    }
    // With keys, a read key is another way in, past the guard.
    const withKeys = statsAccess("0.0.0.0", keyCheck(), fromOps);
    expect(withKeys(request(KEYS.reader))).toBeUndefined();
    expect(withKeys(request())?.status).toBe(401);
  });

  it("says to configure api.keys when none is configured off loopback", () => {
    const refusal = statsAccess("0.0.0.0", keyCheck([]))(request(KEYS.reader));
    expect(refusal?.status).toBe(401);
    expect(refusal?.body.error.code).toBe("unauthorized");
    expect(refusal?.body.error.message).toContain("api.keys");
    expect(refusal?.headers["www-authenticate"]).toContain("Bearer");
  });
});

describe("the dashboard's data on a real node", () => {
  const t = useTestServer();

  it("answers /api/stats without a key on 127.0.0.1", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const answer = await api(httpUrl, "GET", "/api/stats");
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveProperty("connections", 0);
  });

  // "127.1" binds 127.0.0.1 (the system reads it so, and httpUrl reaches the node there), but
  // it is not a loopback address as written, so the node treats it as any other host.
  it("answers /api/stats 401 without a key, 403 with a publish key, 200 with a read key off loopback", async () => {
    const { httpUrl } = await t.start({ ...API_CONFIG, server: { host: "127.1" } });
    const missing = await api(httpUrl, "GET", "/api/stats");
    expect(missing.status).toBe(401);
    expect(errorOf(missing).code).toBe("unauthorized");
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="postoffice"');
    const publisher = await api(httpUrl, "GET", "/api/stats", { key: KEYS.publisher });
    expect(publisher.status).toBe(403);
    expect(errorOf(publisher).code).toBe("insufficient_scope");
    const reader = await api(httpUrl, "GET", "/api/stats", { key: KEYS.reader, via: "header" });
    expect(reader.status).toBe(200);
    expect(reader.body).toHaveProperty("connections", 0);
    // The page itself is static and holds no data: it loads, then asks for a key.
    expect((await api(httpUrl, "GET", "/dashboard")).status).toBe(200);
  });

  it("answers /api/stats 401 saying to configure api.keys when none is, off loopback", async () => {
    const { httpUrl } = await t.start({ server: { host: "127.1" } });
    const answer = await api(httpUrl, "GET", "/api/stats", { key: KEYS.reader });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toContain("api.keys");
  });
});

describe("the start of a node whose dashboard data needs a key", () => {
  let dir: string;
  let running: ChildServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-stats-"));
  });
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const WARNING = /dashboard's data \(\/api\/stats\) needs an API key with scope read/;

  const start = async (env: Record<string, string>) => {
    const port = await freePort();
    running = runCli(["start", "--port", String(port), "--host", "127.1"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET, ...env },
    });
    await waitForLog(running, "postoffice is ready");
    return running.logs.filter((entry) => WARNING.test(String(entry.msg)));
  };

  it("warns off loopback when no API key could read it, and not once one can", async () => {
    const warned = await start({});
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, host: "127.1" });
    running?.child.kill("SIGKILL");
    const keys = JSON.stringify([{ key: KEYS.reader, name: "support", scopes: ["read"] }]);
    expect(await start({ POSTOFFICE_API_KEYS: keys })).toEqual([]);
  }, 40_000);
});
