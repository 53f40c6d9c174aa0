import { randomBytes } from "node:crypto";
import { type Socket, connect as tcpConnect } from "node:net";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { closeCodeIn } from "../support/raw-socket.js";
import { signToken, TestClient } from "../support/test-client.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

/** A masked client frame (RFC 6455 5.2), payload under 126 bytes. */
function frame(opcode: number, fin: boolean, payload: string): Buffer {
  const mask = randomBytes(4);
  const bytes = Buffer.from(payload);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | bytes.length]),
    mask,
    bytes,
  ]);
}

/** A WebSocket handshake over a bare socket bound to `localAddress`, then its bytes recorded. */
async function rawClient(
  port: number,
  path: string,
  localAddress = "127.0.0.1",
): Promise<{ socket: Socket; received: Buffer[]; ended: Promise<void> }> {
  const socket = tcpConnect({ port, host: "127.0.0.1", localAddress });
  socket.setNoDelay(true);
  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      const text = Buffer.concat(received).toString();
      if (!text.includes("\r\n\r\n")) return;
      if (text.startsWith("HTTP/1.1 101")) resolve();
      else reject(new Error(text));
    });
  });
  return { socket, received, ended };
}

/** The HTTP status and JSON body of a refused upgrade, or 101 with the open client. */
async function upgrade(
  url: string,
  localAddress: string,
): Promise<{ status: number; body?: unknown; client?: TestClient }> {
  const client = new TestClient(url, undefined, { localAddress });
  return new Promise((resolve) => {
    client.ws.on("open", () => resolve({ status: 101, client }));
    client.ws.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    client.ws.on("error", () => undefined);
  });
}

describe("what a message in progress may hold [LIMIT-6]", () => {
  const { start, connect, track } = useTestServer();

  it("closes with 1008 a message sent as a run of one-byte fragments, with or without a token", async () => {
    const server = await start();
    const token = await signToken({ sub: "mallory" });
    for (const path of ["/ws", `/ws?token=${token}`]) {
      const { socket, received, ended } = await rawClient(server.node.port, path);
      socket.write(frame(0x1, false, "{"));
      for (let i = 0; i < 200 && !socket.destroyed; i++) socket.write(frame(0x0, false, " "));
      await ended;
      expect(closeCodeIn(received)).toBe(1008);
    }
    // Nobody else noticed.
    const alice = await connect("alice");
    alice.send({ type: "ping", id: "still" });
    expect((await alice.nextOfType("pong")).ref).toBe("still");
  });

  it("closes with 1008 a frame trickled in far more socket reads than a whole frame needs", async () => {
    const server = await start({ limits: { maxFrameBytes: 1024 } });
    const token = await signToken({ sub: "mallory" });
    const { socket, received, ended } = await rawClient(server.node.port, `/ws?token=${token}`);
    // A text frame announcing 1,000 bytes, then its bytes one segment at a time: the server runs
    // in this process, so one turn of the event loop lets it read each byte on its own.
    socket.write(Buffer.from([0x81, 0x80 | 126, 1000 >> 8, 1000 & 0xff, 1, 2, 3, 4]));
    for (let i = 0; i < 900 && !socket.destroyed; i++) {
      socket.write("x");
      await new Promise((resolve) => setImmediate(resolve));
    }
    await ended;
    expect(closeCodeIn(received)).toBe(1008);
  });

  it("serves a message in a few fragments and a frame of the largest size", async () => {
    const server = await start({ limits: { maxFrameBytes: 8192 } });
    const alice = await connect("alice");
    const text = JSON.stringify({ type: "ping", id: "fragmented" });
    const pieces = text.match(/.{1,4}/g) ?? [];
    pieces.forEach((piece, index) => {
      alice.ws.send(piece, { fin: index === pieces.length - 1 });
    });
    expect((await alice.nextOfType("pong")).ref).toBe("fragmented");
    const big = JSON.stringify({ type: "ping", id: "big", pad: "" });
    alice.send(big.replace('"pad":""', `"pad":"${"x".repeat(8192 - big.length)}"`));
    expect((await alice.nextOfType("pong")).ref).toBe("big");
    expect(server.config.limits.maxFragments).toBe(64);
    track(alice);
  });
});

describe("connections that have not authenticated [LIMIT-7]", () => {
  const { start, track } = useTestServer();

  it("closes one that sends more than limits.unauthenticated.maxBytes before authenticating with 1008", async () => {
    const server = await start();
    const stranger = track(new TestClient(server.url));
    await stranger.opened;
    stranger.send({ type: "ping", id: "small" });
    expect((await stranger.nextOfType("pong")).ref).toBe("small");
    // Under the frame limit (64 KiB), over the 16 KiB an unauthenticated client may send.
    stranger.send({ type: "ping", id: "big", pad: "x".repeat(20_000) });
    expect(await stranger.closed).toEqual({ code: 1008, reason: "unauthenticated_limit" });
    expect(stranger.frames.map((f) => f.ref)).toEqual(["small"]);
  });

  it("closes one that sends more than limits.unauthenticated.maxFrames frames before authenticating", async () => {
    const server = await start({ limits: { unauthenticated: { maxFrames: 4 } } });
    const stranger = track(new TestClient(server.url));
    await stranger.opened;
    for (let i = 1; i <= 6; i++) stranger.send({ type: "ping", id: `p${i}` });
    expect(await stranger.closed).toEqual({ code: 1008, reason: "unauthenticated_limit" });
    expect(stranger.frames.map((f) => f.ref)).toEqual(["p1", "p2", "p3", "p4"]);
  });

  it("holds an authenticated session to the frame limits only, however it began", async () => {
    const server = await start({ limits: { unauthenticated: { maxFrames: 2, maxBytes: 1024 } } });
    const alice = track(new TestClient(server.url));
    await alice.opened;
    alice.send({ type: "auth", id: "auth", data: { token: await signToken({ sub: "alice" }) } });
    await alice.nextOfType("welcome");
    for (let i = 1; i <= 5; i++) alice.send({ type: "ping", id: `p${i}`, pad: "x".repeat(3000) });
    await alice.next((f) => f.ref === "p5");
    expect(alice.frames.filter((f) => f.type === "pong")).toHaveLength(5);
  });

  it("cuts one that does not answer its close within a second, instead of holding its place", async () => {
    const server = await start({ auth: { timeoutMs: 100 } });
    const { received, ended } = await rawClient(server.node.port, "/ws");
    // The auth timeout closes it (4408); this client never answers the close frame.
    const started = performance.now();
    await ended;
    expect(closeCodeIn(received)).toBe(4408);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("caps them per address (429) and in all (503), while users with a token still get in", async () => {
    const server = await start({
      limits: { unauthenticated: { maxConnections: 5, maxConnectionsPerIp: 3 } },
    });
    const held: TestClient[] = [];
    for (let i = 0; i < 3; i++) {
      const { status, client } = await upgrade(server.url, "127.0.0.2");
      expect(status).toBe(101);
      if (client) held.push(track(client));
    }
    expect(await upgrade(server.url, "127.0.0.2")).toEqual({
      status: 429,
      body: {
        error: {
          code: "too_many_unauthenticated_from_address",
          message: "Too many unauthenticated connections from your address.",
        },
      },
    });
    for (let i = 0; i < 2; i++) {
      const { status, client } = await upgrade(server.url, "127.0.0.3");
      expect(status).toBe(101);
      if (client) held.push(track(client));
    }
    const full = await upgrade(server.url, "127.0.0.4");
    expect(full).toMatchObject({
      status: 503,
      body: { error: { code: "too_many_unauthenticated" } },
    });

    // A token in the handshake is checked before any place among the unauthenticated is taken.
    const token = await signToken({ sub: "bob" });
    const bob = await upgrade(`${server.url}?token=${token}`, "127.0.0.2");
    expect(bob.status).toBe(101);
    expect((await bob.client?.nextOfType("welcome"))?.data?.user).toBe("bob");
    if (bob.client) track(bob.client);
    // One that authenticates gives its place back.
    held[0]?.send({ type: "auth", id: "auth", data: { token: await signToken({ sub: "carol" }) } });
    await held[0]?.nextOfType("welcome");
    const next = await upgrade(server.url, "127.0.0.2");
    expect(next.status).toBe(101);
    if (next.client) track(next.client);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /postoffice_connections_refused_total\{reason="too_many_unauthenticated_from_address"\} 1/,
    );
    // While the unauthenticated are at their cap, a client that means to send `auth` waits too.
    const inBand = await upgrade(server.url, "127.0.0.6");
    expect(inBand).toMatchObject({ status: 503 });
  });

  it("gives a place back when an unauthenticated connection closes", async () => {
    const server = await start({ limits: { unauthenticated: { maxConnectionsPerIp: 1 } } });
    const first = await upgrade(server.url, "127.0.0.5");
    expect(first.status).toBe(101);
    first.client?.ws.terminate();
    await first.client?.closed;
    let again: Awaited<ReturnType<typeof upgrade>> | undefined;
    await until(async () => {
      again = await upgrade(server.url, "127.0.0.5");
      if (again.status !== 101) return false;
      if (again.client) track(again.client);
      return true;
    }, "the place to be given back");
    expect(again?.status).toBe(101);
    expect(WebSocket.OPEN).toBe(again?.client?.ws.readyState);
  });
});
