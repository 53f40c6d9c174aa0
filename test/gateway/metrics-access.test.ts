import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { ConfigError } from "../../src/server/config/config-error.js";
import { openMetricsWarning, parseRange } from "../../src/server/gateway/metrics-access.js";
import { runCommand } from "../cli/run-command.js";
import { rawWebSocket } from "../support/raw-socket.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const TOKEN = "metrics-token-0123456789";
const ROUTES = ["/metrics", "/api/stats"];

async function get(url: string, token?: string): Promise<Response> {
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  return fetch(url, { headers });
}

describe("metrics protection (metrics.token, metrics.allowFrom)", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("answers 401 without the token or with a wrong one, and 200 with it", async () => {
    server = await startTestServer({ metrics: { token: TOKEN } });
    for (const route of ROUTES) {
      const url = `${server.httpUrl}${route}`;
      for (const token of [undefined, "wrong-token-0123456789", `${TOKEN}x`, TOKEN.slice(1)]) {
        const refused = await get(url, token);
        expect(refused.status).toBe(401);
        expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="postoffice metrics"');
        expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
        expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
      }
      const basic = await fetch(url, { headers: { authorization: `Basic ${TOKEN}` } });
      expect(basic.status).toBe(401);
      const allowed = await get(url, TOKEN);
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("x-content-type-options")).toBe("nosniff");
      expect(allowed.headers.get("cache-control")).toBe("no-store");
    }
    const text = await (await get(`${server.httpUrl}/metrics`, TOKEN)).text();
    expect(text).toContain("postoffice_connections");
    // The other routes stay open: probes need no token.
    expect((await fetch(`${server.httpUrl}/health`)).status).toBe(200);
    expect((await fetch(`${server.httpUrl}/ready`)).status).toBe(200);
  });

  it("answers 403 to an address outside metrics.allowFrom, token or not", async () => {
    server = await startTestServer({ metrics: { allowFrom: ["10.0.0.0/8", "fd00::/8"] } });
    for (const route of ROUTES) {
      const refused = await get(`${server.httpUrl}${route}`, TOKEN);
      expect(refused.status).toBe(403);
      expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
    }
  });

  it("answers 200 to an address inside metrics.allowFrom", async () => {
    server = await startTestServer({ metrics: { allowFrom: ["192.0.2.0/24", "127.0.0.0/8"] } });
    for (const route of ROUTES) expect((await get(`${server.httpUrl}${route}`)).status).toBe(200);
  });

  it("wants both when both are set: the address first (403), then the token (401)", async () => {
    server = await startTestServer({ metrics: { token: TOKEN, allowFrom: ["127.0.0.1"] } });
    expect((await get(`${server.httpUrl}/metrics`)).status).toBe(401);
    expect((await get(`${server.httpUrl}/metrics`, TOKEN)).status).toBe(200);
    await server.stop();
    server = await startTestServer({ metrics: { token: TOKEN, allowFrom: ["10.0.0.1"] } });
    expect((await get(`${server.httpUrl}/metrics`, TOKEN)).status).toBe(403);
  });

  it("matches an IPv4 client seen through an IPv6 socket (::ffff:127.0.0.1) as its IPv4 address", async () => {
    // A node bound to an IPv4-mapped address sees its peers as ::ffff:a.b.c.d.
    server = await startTestServer({
      server: { host: "::ffff:127.0.0.1" },
      metrics: { allowFrom: ["127.0.0.1/32"] },
    });
    expect((await get(`${server.httpUrl}/metrics`)).status).toBe(200);
    await server.stop();
    server = await startTestServer({
      server: { host: "::ffff:127.0.0.1" },
      metrics: { allowFrom: ["::ffff:127.0.0.0/104"] },
    });
    expect((await get(`${server.httpUrl}/api/stats`)).status).toBe(200);
    await server.stop();
    server = await startTestServer({
      server: { host: "::ffff:127.0.0.1" },
      metrics: { allowFrom: ["::1"] },
    });
    expect((await get(`${server.httpUrl}/metrics`)).status).toBe(403);
  });

  it("sends nosniff with every JSON answer and every refused upgrade", async () => {
    server = await startTestServer();
    for (const path of ["/health", "/ready", "/no-such-route", "/api/info"]) {
      const answer = await fetch(`${server.httpUrl}${path}`);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const { socket, received } = await rawWebSocket(server.node.port, "/not-the-path");
    const head = Buffer.concat(received).toString("latin1");
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 404 /);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
  });
});

describe("metrics protection settings", () => {
  async function loadYaml(yaml: string) {
    const cwd = await mkdtemp(join(tmpdir(), "postoffice-metrics-"));
    await writeFile(join(cwd, "postoffice.yaml"), yaml);
    try {
      return await loadNodeConfig({ cwd, env: {}, flags: {} });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  async function refusal(yaml: string): Promise<ConfigError> {
    const error = await loadYaml(yaml).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${error}`);
    return error;
  }

  it("refuses a range that is not an address or whose prefix its address cannot have", async () => {
    for (const entry of ["10.0.0.0/40", "300.1.1.1", "10.1", "example.com", "::1/129"]) {
      const error = await refusal(`metrics:\n  allowFrom: ["127.0.0.1", "${entry}"]\n`);
      expect(error.path).toBe("/metrics/allowFrom/1");
      expect(error.message).toContain("postoffice.yaml");
    }
  });

  it("refuses a token shorter than 16 characters, without printing it", async () => {
    const error = await refusal("metrics:\n  token: short-secret\n");
    expect(error.path).toBe("/metrics/token");
    expect(error.message).not.toContain("short-secret");
  });

  it("takes both from the environment", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "postoffice-metrics-"));
    try {
      const { config } = await loadNodeConfig({
        cwd,
        flags: {},
        env: {
          POSTOFFICE_METRICS_TOKEN: TOKEN,
          POSTOFFICE_METRICS_ALLOW_FROM: "10.0.0.0/8,127.0.0.1",
        },
      });
      expect(config.metrics).toMatchObject({
        token: TOKEN,
        allowFrom: ["10.0.0.0/8", "127.0.0.1"],
      });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("masks the token in `postoffice config`", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "postoffice-metrics-"));
    try {
      await writeFile(join(cwd, "postoffice.yaml"), `metrics:\n  token: ${TOKEN}\n`);
      const { code, stdout } = await runCommand(["config"], { cwd });
      expect(code).toBe(0);
      expect(stdout).toContain('  token: "***" # postoffice.yaml:2');
      expect(stdout).not.toContain(TOKEN);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("reads an IPv4-mapped range as its IPv4 range", () => {
    expect(parseRange("::ffff:10.0.0.0/104").map(String)).toEqual(["10.0.0.0", "8"]);
    expect(parseRange("fd00::/8").map(String)).toEqual(["fd00::", "8"]);
    expect(parseRange("127.0.0.1").map(String)).toEqual(["127.0.0.1", "32"]);
  });

  it("warns at start when metrics answer anyone on a host others can reach", () => {
    const open = { enabled: true, token: "", allowFrom: [] };
    expect(openMetricsWarning(open, "0.0.0.0")).toMatch(/^METRICS ARE OPEN/);
    expect(openMetricsWarning(open, "::")).toMatch(/^METRICS ARE OPEN/);
    expect(openMetricsWarning(open, "192.0.2.7")).toMatch(/metrics\.token/);
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"])
      expect(openMetricsWarning(open, host)).toBeUndefined();
    expect(openMetricsWarning({ ...open, token: TOKEN }, "0.0.0.0")).toBeUndefined();
    expect(openMetricsWarning({ ...open, allowFrom: ["10.0.0.0/8"] }, "0.0.0.0")).toBeUndefined();
    expect(openMetricsWarning({ ...open, enabled: false }, "0.0.0.0")).toBeUndefined();
  });
});
