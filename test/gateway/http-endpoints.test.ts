import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { closeCodeIn, rawWebSocket } from "../support/raw-socket.js";
import { TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("operator endpoints", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("reports health with status, version, uptime and open connections", async () => {
    server = await startTestServer();
    const client = new TestClient(`${server.url}?token=alice-static-token`);
    await client.nextOfType("welcome");
    const response = await fetch(`${server.httpUrl}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", version: "0.1.0", connections: 1 });
    expect(typeof body.uptimeSeconds).toBe("number");
    client.ws.terminate();
  });

  it("is ready once listening", async () => {
    server = await startTestServer();
    const response = await fetch(`${server.httpUrl}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true, state: "ready" });
  });

  it("exposes Prometheus metrics for connections, frames, mail and errors", async () => {
    server = await startTestServer();
    const alice = new TestClient(`${server.url}?token=alice-static-token`);
    await alice.nextOfType("welcome");
    alice.send({ type: "message", data: { to: "bob", text: "hi" } });
    await alice.nextOfType("receipt");
    alice.send("not json");
    await alice.nextOfType("error");
    const response = await fetch(`${server.httpUrl}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^postoffice_connections\{dialect="native"\} 1$/m);
    expect(text).toMatch(/^postoffice_sessions_authenticated\{dialect="native"\} 1$/m);
    expect(text).toMatch(/^postoffice_frames_in_total\{type="message",dialect="native"\} 1$/m);
    expect(text).toMatch(/^postoffice_frames_in_total\{type="invalid",dialect="native"\} 1$/m);
    expect(text).toMatch(/^postoffice_messages_routed_total\{kind="direct"\} 1$/m);
    expect(text).toMatch(/^postoffice_errors_total\{code="invalid_json"\} 1$/m);
    expect(text).toMatch(/^postoffice_frames_out_total\{dialect="native"\} 3$/m);
    alice.ws.terminate();
  });

  it("answers unknown paths and methods with a JSON error", async () => {
    server = await startTestServer();
    const missing = await fetch(`${server.httpUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const post = await fetch(`${server.httpUrl}/health`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("refuses a WebSocket upgrade on another path with 404", async () => {
    server = await startTestServer();
    const ws = new WebSocket(`ws://127.0.0.1:${server.node.port}/elsewhere`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      ws.on("error", () => resolve(undefined));
    });
    expect(status).toBe(404);
  });
});

describe("heartbeat", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await server?.stop();
    server = undefined;
  });

  it("terminates a peer that stops answering pings, and keeps one that answers", async () => {
    // The heartbeat's timer is fake: each tick comes when the test says, not after a second.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    server = await startTestServer({ server: { heartbeat: { intervalMs: 1000 } } });
    const silent = new TestClient(`${server.url}?token=alice-static-token`, undefined, {
      autoPong: false,
    });
    const lively = new TestClient(`${server.url}?token=bob-static-token`);
    await Promise.all([silent.nextOfType("welcome"), lively.nextOfType("welcome")]);
    const pinged = new Promise((resolve) => lively.ws.once("ping", resolve));
    await vi.advanceTimersByTimeAsync(1000);
    await pinged;
    // lively's pong went out before this frame: the node has it once the reply comes.
    lively.send({ type: "ping", id: "after-pong" });
    await lively.next((f) => f.type === "pong" && f.ref === "after-pong");
    expect(silent.ws.readyState).toBe(WebSocket.OPEN);
    await vi.advanceTimersByTimeAsync(1000);
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    expect(lively.ws.readyState).toBe(WebSocket.OPEN);
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^postoffice_heartbeat_timeouts_total 1$/m);
    expect(text).toMatch(/^postoffice_connections\{dialect="native"\} 1$/m);
    lively.ws.terminate();
  });
});

describe("graceful drain", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports not ready and refuses upgrades while open sessions close with 1001 and the reconnect window", async () => {
    const server = await startTestServer({
      server: { shutdown: { drainTimeoutMs: 1500, reconnectWindowMs: 7000 } },
    });
    // A peer that never answers the close handshake holds the drain until its deadline.
    const stubborn = await rawWebSocket(server.node.port, "/ws?token=alice-static-token");
    const polite = new TestClient(`${server.url}?token=bob-static-token`);
    await polite.nextOfType("welcome");

    // The drain's clock and timers are fake: its deadline comes without the test waiting for it.
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    let drained = false;
    const draining = server.node.drain().finally(() => {
      drained = true;
    });
    const closed = await polite.closed;
    expect(closed.code).toBe(1001);
    expect(JSON.parse(closed.reason)).toEqual({ code: "server_shutdown", reconnectWithinMs: 7000 });

    const ready = await fetch(`${server.httpUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, state: "draining" });
    expect(
      ((await (await fetch(`${server.httpUrl}/health`)).json()) as { status: string }).status,
    ).toBe("draining");
    const refused = new WebSocket(server.url);
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      refused.on("error", () => resolve(undefined));
    });
    expect(status).toBe(503);

    // The stubborn peer holds the drain until its deadline, and no longer.
    await vi.advanceTimersByTimeAsync(1499);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    await draining;
    expect(closeCodeIn(stubborn.received)).toBe(1001);
    // The server cut the stubborn peer at the deadline: its socket ends.
    await new Promise((resolve) =>
      stubborn.socket.destroyed ? resolve(undefined) : stubborn.socket.once("close", resolve),
    );
    await server.stop();
  });
});
