import { createServer, type ServerResponse } from "node:http";
import { type AddressInfo, connect as tcpConnect } from "node:net";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { metricValue } from "../support/metrics.js";
import { signToken, TestClient } from "../support/test-client.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

/** The HTTP status and JSON body of a refused upgrade, or 101 when it was accepted. */
async function upgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body?: unknown }> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    ws.on("open", () => {
      ws.terminate();
      resolve({ status: 101 });
    });
    ws.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on("error", () => undefined);
  });
}

describe("admission at the counter", () => {
  const { start, track } = useTestServer();

  it("refuses browsers from origins off the allow-list with 403, and admits listed, wildcard and non-browser clients", async () => {
    const server = await start({
      server: { allowedOrigins: ["https://app.example.com", "https://*.example.org"] },
    });
    const url = `${server.url}?token=alice-static-token`;
    expect((await upgradeStatus(url, { Origin: "https://app.example.com" })).status).toBe(101);
    expect((await upgradeStatus(url, { Origin: "https://chat.example.org" })).status).toBe(101);
    expect((await upgradeStatus(url)).status).toBe(101);
    const refused = await upgradeStatus(url, { Origin: "https://evil.example.net" });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "origin_not_allowed" } } });
    expect((await upgradeStatus(url, { Origin: "https://example.org.evil.net" })).status).toBe(403);
    // Scheme and port are part of the origin; text tricks do not parse as an origin at all.
    expect((await upgradeStatus(url, { Origin: "http://chat.example.org" })).status).toBe(403);
    expect((await upgradeStatus(url, { Origin: "https://chat.example.org:8443" })).status).toBe(
      403,
    );
    expect((await upgradeStatus(url, { Origin: "https://evil.com#.example.org" })).status).toBe(
      403,
    );
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^postoffice_connections_refused_total\{reason="origin_not_allowed"\} 5$/m,
    );
  });

  it("admits a cookie login from an allowed origin even when it is another host", async () => {
    const server = await start({ server: { allowedOrigins: ["https://app.example.com"] } });
    const token = await signToken({ sub: "alice" });
    const result = await upgradeStatus(server.url, {
      Cookie: `session-token=${token}`,
      Origin: "https://app.example.com",
    });
    expect(result.status).toBe(101);
  });

  it("refuses connections past the global cap with 503 and says why", async () => {
    const server = await start({ limits: { maxConnections: 2 } });
    const held: TestClient[] = [];
    for (let i = 0; i < 2; i++) {
      const client = track(new TestClient(`${server.url}?token=alice-static-token`));
      held.push(client);
      await client.nextOfType("welcome");
    }
    const refused = await upgradeStatus(`${server.url}?token=bob-static-token`);
    expect(refused).toMatchObject({
      status: 503,
      body: { error: { code: "too_many_connections" } },
    });
    held.pop()?.ws.terminate();
    await until(
      async () => (await metricValue(server, 'postoffice_connections{dialect="native"}')) === 1,
      "the node to count the closed connection out",
    );
    expect((await upgradeStatus(`${server.url}?token=bob-static-token`)).status).toBe(101);
  });

  it("refuses connections past the per-address cap with 429", async () => {
    const server = await start({ limits: { maxConnectionsPerIp: 1 } });
    const first = new TestClient(`${server.url}?token=alice-static-token`);
    track(first);
    await first.nextOfType("welcome");
    const refused = await upgradeStatus(`${server.url}?token=bob-static-token`);
    expect(refused).toMatchObject({
      status: 429,
      body: { error: { code: "too_many_connections_from_address" } },
    });
  });

  it("closes a user's connection past the per-user cap with too_many_sessions and 4409", async () => {
    const server = await start({ limits: { maxSessionsPerUser: 2 } });
    for (let i = 0; i < 2; i++) {
      const client = new TestClient(`${server.url}?token=alice-static-token`);
      track(client);
      await client.nextOfType("welcome");
    }
    const third = new TestClient(`${server.url}?token=alice-static-token`);
    track(third);
    expect((await third.nextOfType("error")).data?.code).toBe("too_many_sessions");
    expect(await third.closed).toEqual({ code: 4409, reason: "too_many_sessions" });
    const bob = new TestClient(`${server.url}?token=bob-static-token`);
    track(bob);
    expect((await bob.nextOfType("welcome")).data?.user).toBe("bob");
  });

  it("cuts a handshake that does not complete in time (slowloris)", async () => {
    const server = await start({ limits: { handshakeTimeoutMs: 300 } });
    const socket = tcpConnect(server.node.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.on("error", () => undefined); // the server cutting us off mid-write is the point
    socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    const started = Date.now();
    const trickle = setInterval(() => {
      if (socket.writable) socket.write("X-Slow: 1\r\n");
    }, 100);
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("holds the global cap against a burst of handshakes that are all still being checked", async () => {
    // A webhook that answers only when the test says: the handshakes it admitted stay mid-check.
    const held: ServerResponse[] = [];
    const webhook = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const { port } = webhook.address() as AddressInfo;
    try {
      const server = await start({
        limits: { maxConnections: 5 },
        auth: { webhook: { url: `http://127.0.0.1:${port}/check` } },
      });
      const answered: number[] = [];
      const attempts = Array.from({ length: 30 }, async (_, i) => {
        const result = await upgradeStatus(`${server.url}?token=guess-${i}`);
        answered.push(result.status);
        return result;
      });
      // Every handshake is either being checked (held by the webhook) or already answered.
      await until(() => held.length + answered.length === 30, "every handshake checked or refused");
      expect(held.length).toBe(5);
      expect(answered.filter((status) => status === 503).length).toBe(25);
      for (const res of held) {
        res.writeHead(401);
        res.end();
      }
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r.status === 101).length).toBe(5);
      expect(results.filter((r) => r.status === 503).length).toBe(25);
    } finally {
      webhook.closeAllConnections();
      await new Promise((resolve) => webhook.close(resolve));
    }
  });
});
