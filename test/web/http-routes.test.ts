import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpRoutes } from "../../src/server/gateway/http-routes.js";
import { loadStaticAssets } from "../../src/server/gateway/static-assets.js";
import { createStats } from "../../src/server/gateway/stats.js";
import { testMetrics } from "../metrics/test-metrics.js";
import { TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as given (fetch would normalise `..` away). */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function serve(webDir: string): Promise<{ server: Server; url: string }> {
  const server = createServer(
    createHttpRoutes({
      version: "test",
      nodeId: "test-node",
      startedAt: Date.now(),
      state: () => "ready",
      connections: () => 0,
      metrics: undefined,
      webDir,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the web page's files", () => {
  let dir: string;
  let built: { server: Server; url: string };
  let empty: { server: Server; url: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-web-"));
    await promisify(execFile)(
      process.execPath,
      ["scripts/build-web.mjs", "--outdir", join(dir, "web")],
      { cwd: root },
    );
    built = await serve(join(dir, "web"));
    empty = await serve(join(dir, "nothing-here"));
  }, 60_000);
  afterAll(async () => {
    built?.server.close();
    empty?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the pages with their security headers, revalidated on each visit", async () => {
    for (const path of ["/", "/dashboard"]) {
      const page = await raw(built.url, path);
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.headers["cache-control"]).toBe("no-cache");
      expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      expect(page.body).toMatch(/<script type="module" src="assets\/(chat|dashboard)-\w+\.js">/);
    }
  });

  it("serves the bundled scripts and styles by hashed name, typed and cached for good", async () => {
    const page = (await raw(built.url, "/")).body;
    const script = /src="(assets\/chat-\w+\.js)"/.exec(page)?.[1];
    const style = /href="(assets\/style-\w+\.css)"/.exec(page)?.[1];
    const js = await raw(built.url, `/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(js.body).toContain("postoffice.v1");
    const css = await raw(built.url, `/${style}`);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(css.body).toContain(".topbar");
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    const first = await raw(built.url, "/");
    const again = await raw(built.url, "/", { "if-none-match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
  });

  it("serves only the files the build produced: no path reaches the file system", async () => {
    const page = (await raw(built.url, "/")).body;
    const script = /src="assets\/(chat-\w+\.js)"/.exec(page)?.[1] ?? "";
    for (const path of [
      "/assets/../package.json",
      "/assets/..%2f..%2fpackage.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      `/assets/../assets/${script}`,
      `/assets//${script}`,
      `/assets/${script}/`,
      "/../../../etc/passwd",
      "/assets/",
      "/assets",
      "/index.html",
      "/dashboard.html",
      "/dashboard/",
      "/assets/chat.js",
    ]) {
      const answer = await raw(built.url, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "not_found" } });
    }
    const assets = loadStaticAssets(join(dir, "web"));
    expect(
      [...(assets?.keys() ?? [])].every((key) => /^\/(dashboard|assets\/[\w.-]+)?$/.test(key)),
    ).toBe(true);
  });

  it("says to run the build when the page was not built", async () => {
    for (const path of ["/", "/dashboard", "/assets/chat-ABC.js"]) {
      const answer = await raw(empty.url, path);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({
        error: {
          code: "not_found",
          message: "The web page is not built: run `npm run build` (it writes dist/web/).",
        },
      });
    }
    expect((await raw(empty.url, "/health")).status).toBe(200);
  });
});

describe("GET /api/stats and /api/info", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("reports connections, mail routed, errors by code and mailboxes waiting", async () => {
    server = await startTestServer();
    const alice = new TestClient(`${server.url}?token=alice-static-token`);
    await alice.nextOfType("welcome");
    new TestClient(server.url); // connected, not signed in
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "one" } });
    alice.send({ type: "message", id: "m2", data: { to: "carol", text: "two" } });
    alice.send("not json");
    alice.send({ type: "join", id: "j1", data: { room: "-bad" } });
    await alice.next((frame) => frame.ref === "j1");
    const response = await fetch(`${server.httpUrl}/api/stats`);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const stats = (await response.json()) as Record<string, unknown>;
    expect(stats).toEqual({
      connections: 2,
      sessions: 1,
      dialects: { native: { connections: 2, sessions: 1 } },
      messagesRouted: { direct: 2, room: 0, broadcast: 0 },
      errors: { invalid_json: 1, invalid_field: 1 },
      mailboxesWaiting: 2,
      uptimeSeconds: expect.any(Number),
    });
    alice.ws.terminate();
  });

  it("is not served when metrics are off, like /metrics", async () => {
    server = await startTestServer({ metrics: { enabled: false } });
    expect((await fetch(`${server.httpUrl}/api/stats`)).status).toBe(404);
  });

  it("tells the page where to connect and how to sign in", async () => {
    server = await startTestServer();
    expect(await (await fetch(`${server.httpUrl}/api/info`)).json()).toEqual({
      version: "0.1.0",
      wsPath: "/ws",
      anonymous: false,
      chatRoom: null,
    });
    await server.stop();
    server = await startTestServer({ preset: "chat", server: { path: "/chat" } });
    expect(await (await fetch(`${server.httpUrl}/api/info`)).json()).toMatchObject({
      wsPath: "/chat",
      anonymous: true,
      chatRoom: "chat",
    });
  });

  it("asks the store for the mailbox count at most once per cache period", async () => {
    let now = 0;
    let asked = 0;
    const stats = createStats({
      metrics: testMetrics(),
      startedAt: 0,
      clock: () => now,
      mailboxesCacheMs: 2000,
      mailboxesWaiting: async () => {
        asked += 1;
        return asked;
      },
    });
    const [a, b] = await Promise.all([stats(), stats()]);
    now = 1999;
    const c = await stats();
    expect([a.mailboxesWaiting, b.mailboxesWaiting, c.mailboxesWaiting, asked]).toEqual([
      1, 1, 1, 1,
    ]);
    now = 2000;
    expect((await stats()).mailboxesWaiting).toBe(2);
    expect((await stats()).uptimeSeconds).toBe(2);
  });

  it("reports an unknown mailbox count as null when the store fails", async () => {
    const stats = createStats({
      metrics: testMetrics(),
      startedAt: Date.now(),
      mailboxesWaiting: () => Promise.reject(new Error("database is locked")),
    });
    expect((await stats()).mailboxesWaiting).toBeNull();
  });
});
