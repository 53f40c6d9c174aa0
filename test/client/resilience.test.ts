import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import {
  type MailboxReset,
  PostofficeClient,
  PostofficeError,
  type Receipt,
  type RoomReset,
  type SocketFactory,
} from "../../src/client/index.js";
import type { Mail } from "../../src/protocol/index.js";
import { signToken } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { tapSocket } from "./tap-socket.js";

/**
 * The review findings of the SDK, each against a real server on 127.0.0.1: reconnects,
 * rejoins, lost receipts, listener failures, pacing, and the client's own life cycle.
 */
describe("PostofficeClient resilience", () => {
  let server: TestServer | undefined;
  const clients: PostofficeClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.stop();
    server = undefined;
    vi.restoreAllMocks();
  });

  type Options = Partial<ConstructorParameters<typeof PostofficeClient>[0]>;
  /** A client; `delay.ms` holds back each token fetch (to keep it offline a while). */
  const client = (user: string, extra: Options = {}, roles: string[] = []) => {
    const delay = { ms: 0 };
    const c = new PostofficeClient({
      url: server?.url ?? "",
      token: async () => {
        if (delay.ms > 0) await sleep(delay.ms);
        return signToken({ sub: user, roles });
      },
      WebSocket: WebSocket as unknown as SocketFactory,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...extra,
    });
    clients.push(c);
    return Object.assign(c, { delay });
  };
  const collect = (c: PostofficeClient): Mail[] => {
    const got: Mail[] = [];
    c.on("mail", (mail) => {
      got.push(mail);
    });
    return got;
  };
  const outcome = <T>(promise: Promise<T>, ms = 3000): Promise<T | PostofficeError | "pending"> =>
    Promise.race([
      promise.catch((error: unknown) => error as PostofficeError),
      sleep(ms).then(() => "pending" as const),
    ]);

  it("rejoins before resending, and takes a restarted room numbering from `joined` (roomReset)", async () => {
    server = await startTestServer();
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    const seen: string[] = [];
    alice.on("roomMessage", (m) => {
      seen.push(`${m.seq}:${m.body.text}`);
    });
    const resets: RoomReset[] = [];
    alice.on("roomReset", (reset) => {
      resets.push(reset);
    });
    await alice.connect();
    await alice.join("solo");
    for (const text of ["one", "two", "three"]) await alice.sendToRoom("solo", { text });
    await until(() => seen.length === 3);

    // Alice was the room's only member: with her connection the room is forgotten.
    alice.delay.ms = 150;
    tap.sockets.at(-1)?.terminate();
    await until(() => alice.connectionState !== "open");
    const queued = alice.sendToRoom("solo", { text: "queued" });
    expect(await outcome(queued)).toMatchObject({ ref: expect.any(String) });
    await alice.sendToRoom("solo", { text: "after" });
    await until(() => seen.length === 5);
    expect(seen).toEqual(["1:one", "2:two", "3:three", "1:queued", "2:after"]);
    expect(resets).toEqual([
      expect.objectContaining({ room: "solo", since: 3, position: 0, renumbered: true }),
    ]);
    const sent = tap.sentOn().filter((f) => f.type === "join" || f.type === "message");
    expect(sent.map((f) => f.type)).toEqual(["join", "message", "message"]);
  });

  it("starts again from the new mailbox when the server's numbering restarted (mailboxReset)", async () => {
    const memory = {
      mailbox: { store: "memory" },
      server: { shutdown: { reconnectWindowMs: 100 } },
    };
    server = await startTestServer(memory);
    const { dir } = server;
    const port = server.node.port;
    const store = new Map<string, string>();
    const positions = {
      get: (k: string) => store.get(k),
      set: (k: string, v: string) => void store.set(k, v),
    };
    const alice = client("alice");
    await alice.connect();
    const before = client("bob", { positions, positionKey: "bob" });
    const seenBefore = collect(before);
    await before.connect();
    for (let n = 1; n <= 3; n++) await alice.send("bob", { n });
    await until(() => seenBefore.length === 3);
    await before.flush();
    before.close();
    expect(store.get("bob")).toBe("3");

    // The memory store forgets everything: bob's mailbox numbers from 1 again.
    await server.halt();
    server = await startTestServer({ ...memory, server: { ...memory.server, port } }, { dir });
    await until(() => alice.connectionState === "open");
    await alice.send("bob", { n: 4 });
    await alice.send("bob", { n: 5 });
    const bob = client("bob", { positions, positionKey: "bob" });
    const seen = collect(bob);
    const resets: MailboxReset[] = [];
    bob.on("mailboxReset", (reset) => {
      resets.push(reset);
    });
    await bob.connect();
    await until(() => seen.length === 2);
    await alice.send("bob", { n: 6 });
    await until(() => seen.length === 3);
    expect(seen.map((m) => [m.seq, m.body.n])).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(resets).toEqual([{ previous: 3, after: 2 }]);
    await bob.flush();
    expect(store.get("bob")).toBe("3");
  });

  it("resends mail whose receipt was lost, but rejects a room message or broadcast as outcome unknown", async () => {
    server = await startTestServer();
    let dropNextAccepted = false;
    const tap = tapSocket({
      filterIn(socket, text) {
        const frame = JSON.parse(text) as { type: string; data: { status?: string } };
        if (dropNextAccepted && frame.type === "receipt" && frame.data.status === "accepted") {
          dropNextAccepted = false;
          socket.terminate();
          return false;
        }
        return true;
      },
    });
    const ann = client("ann", { WebSocket: tap.Factory }, ["admin"]);
    const bob = client("bob");
    const rooms: string[] = [];
    const broadcasts: string[] = [];
    bob.on("roomMessage", (m) => void rooms.push(String(m.body.text)));
    bob.on("broadcast", (m) => void broadcasts.push(String(m.body.text)));
    const mail = collect(bob);
    await Promise.all([ann.connect(), bob.connect()]);
    await ann.join("lobby");
    await bob.join("lobby");

    dropNextAccepted = true;
    const room = await outcome(ann.sendToRoom("lobby", { text: "hello room" }));
    expect(room).toBeInstanceOf(PostofficeError);
    expect(room).toMatchObject({ code: "closed", details: { reason: "outcome_unknown" } });
    expect((room as PostofficeError).message).toMatch(/outcome unknown/);

    dropNextAccepted = true;
    const broadcast = await outcome(ann.broadcast({ text: "hello all" }));
    expect(broadcast).toMatchObject({ code: "closed", details: { reason: "outcome_unknown" } });

    dropNextAccepted = true;
    expect(await outcome(ann.send("bob", { text: "hello mail" }))).toMatchObject({
      id: expect.any(String),
    });
    await until(() => mail.length === 1);
    await sleep(200);
    expect(rooms).toEqual(["hello room"]);
    expect(broadcasts).toEqual(["hello all"]);
    expect(mail.map((m) => m.body.text)).toEqual(["hello mail"]);
  });

  it("keeps delivering when the position store throws", async () => {
    server = await startTestServer();
    let calls = 0;
    const positions = {
      get: () => null,
      set: () => {
        calls += 1;
        if (calls === 2) throw new Error("QuotaExceededError");
      },
    };
    const alice = client("alice");
    const carol = client("carol", { positions });
    const seen = collect(carol);
    const errors: string[] = [];
    carol.on("error", (error) => void errors.push(error.message));
    await Promise.all([alice.connect(), carol.connect()]);
    for (let n = 1; n <= 4; n++) await alice.send("carol", { n });
    await until(() => seen.length === 4);
    expect(seen.map((m) => m.body.n)).toEqual([1, 2, 3, 4]);
    expect(errors).toEqual(["QuotaExceededError"]);
  });

  it("calls every listener when one throws, reports it on `error`, and acks after all of them", async () => {
    server = await startTestServer();
    const tap = tapSocket();
    const alice = client("alice");
    const bob = client("bob", { WebSocket: tap.Factory });
    const first: number[] = [];
    const second: number[] = [];
    bob.on("mail", (m) => {
      first.push(m.seq);
      if (m.body.n === 2) throw new Error("listener 1 failed");
    });
    bob.on("mail", async (m) => {
      await sleep(5);
      second.push(m.seq);
    });
    const errors: string[] = [];
    bob.on("error", (error) => void errors.push(error.message));
    await Promise.all([alice.connect(), bob.connect()]);
    for (let n = 1; n <= 3; n++) await alice.send("bob", { n });
    await until(() => second.length === 3);
    await bob.flush();
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 2, 3]);
    expect(errors).toEqual(["listener 1 failed"]);
    const acks = tap.sentOn().filter((f) => f.type === "ack");
    expect(acks.at(-1)?.data).toEqual({ seq: 3 });
  });

  it("survives throwing listeners with no `error` listener, and a throwing `error` listener", async () => {
    server = await startTestServer();
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const dave = client("dave");
      dave.on("presence", () => {
        throw new Error("presence listener bug");
      });
      dave.on("roomMessage", async () => {
        throw new Error("async roomMessage listener bug");
      });
      const seen: number[] = [];
      dave.on("roomMessage", (m) => void seen.push(m.seq));
      await dave.connect();
      await dave.join("r1");
      await dave.sendToRoom("r1", { t: 1 });
      await until(() => seen.length === 1);
      await sleep(50);
      expect(logged.mock.calls.map((call) => String(call[1]))).toEqual([
        "Error: presence listener bug",
        "Error: async roomMessage listener bug",
      ]);

      // An `error` listener that throws is logged, not fed back to itself.
      logged.mockClear();
      dave.on("error", () => {
        throw new Error("error listener bug");
      });
      await dave.sendToRoom("r1", { t: 2 });
      await until(() => seen.length === 2);
      await sleep(50);
      expect(logged.mock.calls.map((call) => String(call[1]))).toEqual([
        "Error: error listener bug",
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("waitFor delivered: resolves with the receipt even when `delivered` overtakes `accepted`", async () => {
    server = await startTestServer();
    let dropNextAccepted = false;
    const order: string[] = [];
    const tap = tapSocket({
      filterIn(socket, text) {
        const frame = JSON.parse(text) as { type: string; data: { status?: string } };
        if (frame.type === "receipt") order.push(String(frame.data.status));
        if (dropNextAccepted && frame.type === "receipt" && frame.data.status === "accepted") {
          dropNextAccepted = false;
          socket.terminate();
          return false;
        }
        return true;
      },
    });
    const bob = client("bob");
    await bob.connect();
    const alice = client("alice", {
      WebSocket: tap.Factory,
      reconnect: { initialDelayMs: 300, maxDelayMs: 300 },
    });
    await alice.connect();
    alice.delay.ms = 200; // bob acknowledges the mail while alice is away
    dropNextAccepted = true;
    const result = await outcome(
      alice.send("bob", { text: "Read this" }, { waitFor: "delivered" }),
    );
    expect(result).toEqual({
      id: expect.any(String),
      ref: expect.any(String),
      ts: expect.any(Number),
    });
    expect(order.indexOf("delivered")).toBeLessThan(order.lastIndexOf("accepted"));
  });

  it("waitFor delivered: rejects with `timeout` after deliveredTimeoutMs", async () => {
    server = await startTestServer();
    const alice = client("alice");
    await alice.connect();
    const started = Date.now();
    const result = await outcome(
      alice.send("nobody-online", { x: 1 }, { waitFor: "delivered", deliveredTimeoutMs: 200 }),
    );
    expect(result).toBeInstanceOf(PostofficeError);
    expect(result).toMatchObject({
      code: "timeout",
      details: { reason: "delivered_timeout", accepted: { id: expect.any(String) } },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("waits at least the server's retryAfterMs (or 1 s) before reconnecting after a 4429", async () => {
    server = await startTestServer({
      limits: { rate: { message: { perSecond: 1, burst: 1 }, closeAfterRefusals: 2 } },
    });
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    await alice.connect();
    const first = tap.sockets[0];
    let closedAt = 0;
    let code = 0;
    first?.on("close", (c) => {
      code = c;
      closedAt = Date.now();
    });
    // Flood the connection behind the client's back, as a buggy app's raw frames would.
    for (let i = 0; i < 6; i++)
      first?.send(JSON.stringify({ type: "message", data: { to: "bob" } }));
    await until(() => closedAt > 0);
    expect(code).toBe(4429);
    await until(() => tap.sockets.length === 2, 5000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900);
    await until(() => alice.connectionState === "open");
  });

  it("resets the backoff only once a connection has stayed open a while", async () => {
    server = await startTestServer();
    let drops = 3;
    const tap = tapSocket({
      filterIn(socket, text) {
        if (drops > 0 && (JSON.parse(text) as { type: string }).type === "welcome") {
          drops -= 1;
          setTimeout(() => socket.terminate(), 10);
        }
        return true;
      },
    });
    const alice = client("alice", {
      WebSocket: tap.Factory,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40, resetAfterMs: 300 },
    });
    const attempt = () => (alice as unknown as { attempt: number }).attempt;
    await alice.connect();
    await until(() => tap.sockets.length === 4 && alice.connectionState === "open");
    expect(attempt()).toBe(3);
    await sleep(400);
    expect(attempt()).toBe(0);
  });

  it("paces a long offline queue so that it does not trip the rate limit", async () => {
    server = await startTestServer({
      limits: { rate: { message: { perSecond: 25, burst: 10 }, closeAfterRefusals: 10 } },
    });
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    alice.delay.ms = 100;
    tap.sockets[0]?.terminate();
    await until(() => alice.connectionState !== "open");
    const sends = Array.from({ length: 40 }, (_, n) => alice.send("bob", { n }));
    const results = await Promise.all(sends.map((s) => outcome(s, 10_000)));
    expect(results.filter((r) => r instanceof PostofficeError || r === "pending")).toEqual([]);
    expect(tap.sockets.length).toBe(2); // no 4429 close
    await until(() => got.length === 40);
    expect(got.map((m) => m.body.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
  }, 20_000);

  it("connect() is idempotent; close() detaches the socket and later calls reject with `closed`", async () => {
    server = await startTestServer();
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    const first = alice.connect();
    const second = alice.connect();
    expect(second).toBe(first);
    await first;
    await alice.connect();
    expect(tap.sockets.length).toBe(1);

    // The app closes while the welcome is already in flight.
    let bob: PostofficeClient | undefined;
    const bobTap = tapSocket({
      filterIn(_socket, text) {
        if ((JSON.parse(text) as { type: string }).type === "welcome") bob?.close();
        return true;
      },
    });
    bob = client("bob", { WebSocket: bobTap.Factory });
    const welcomes: unknown[] = [];
    bob.on("welcome", (info) => void welcomes.push(info));
    const connecting = await outcome(bob.connect(), 1000);
    expect(connecting).toMatchObject({ code: "closed" });
    await sleep(100);
    expect(welcomes).toEqual([]);
    expect(bob.connectionState).toBe("closed");
    expect(await outcome(bob.send("alice", { x: 1 }), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.join("x"), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.flush(), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.connect(), 500)).toMatchObject({ code: "closed" });
    await until(() => bobTap.sockets[0]?.readyState === WebSocket.CLOSED);
    expect(bobTap.sockets.length).toBe(1);
  });

  it("ignores messages of a room it has left, and does not rejoin it", async () => {
    server = await startTestServer();
    let alice: PostofficeClient | undefined;
    let leaving: Promise<void> | undefined;
    const tap = tapSocket({
      filterIn(_socket, text) {
        const frame = JSON.parse(text) as { type: string; data?: { room?: string } };
        // The app leaves while a room message is already on its way.
        if (leaving === undefined && frame.type === "message" && frame.data?.room === "busy") {
          leaving = alice?.leave("busy");
        }
        return true;
      },
    });
    alice = client("alice", { WebSocket: tap.Factory });
    const seen: number[] = [];
    alice.on("roomMessage", (m) => void seen.push(m.seq));
    const bob = client("bob");
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join("busy");
    await bob.join("busy");
    await bob.sendToRoom("busy", { i: 1 });
    await until(() => leaving !== undefined);
    await leaving;
    await bob.sendToRoom("busy", { i: 2 });
    await sleep(100);
    expect(seen).toEqual([]);
    tap.sockets.at(-1)?.terminate();
    await until(() => tap.sockets.length === 2 && alice?.connectionState === "open");
    await bob.flush();
    expect(tap.sentOn().map((f) => f.type)).toEqual(["auth"]);
    expect(await bob.who("busy")).toEqual(["bob"]);
  });

  it("flush() waits for the mail listeners, and no listener runs after close()", async () => {
    server = await startTestServer();
    const alice = client("alice");
    await alice.connect();
    for (let n = 1; n <= 3; n++) await alice.send("bob", { n });
    const bob = client("bob");
    const seen: number[] = [];
    bob.on("mail", async (m) => {
      seen.push(m.seq);
      await sleep(50);
    });
    await bob.connect();
    await sleep(20); // the three mails are in; the first listener is running
    await bob.flush();
    bob.close();
    expect(seen).toEqual([1, 2, 3]);
    // Every ack was kept: a new device (resuming from the acknowledged position) gets nothing.
    const next = client("bob");
    const replayed = collect(next);
    await next.connect();
    await next.flush();
    await sleep(50);
    expect(replayed).toEqual([]);
    next.close();

    for (let n = 4; n <= 6; n++) await alice.send("bob", { n });
    const last = client("bob");
    const handled: number[] = [];
    let closeNow: () => void = () => undefined;
    const firstRunning = new Promise<void>((resolve) => {
      closeNow = resolve;
    });
    last.on("mail", async (m) => {
      handled.push(m.seq);
      closeNow();
      await sleep(50);
    });
    await last.connect();
    await firstRunning;
    last.close();
    await sleep(300);
    expect(handled).toEqual([4]);
  });

  it("sends a markRead made while offline after the next welcome", async () => {
    server = await startTestServer();
    const tap = tapSocket();
    const alice = client("alice");
    const receipts: Receipt[] = [];
    alice.on("receipt", (r) => void receipts.push(r));
    const bob = client("bob", { WebSocket: tap.Factory });
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.send("bob", { text: "read me" });
    await until(() => got.length === 1);
    bob.delay.ms = 100;
    tap.sockets[0]?.terminate();
    await until(() => bob.connectionState !== "open");
    bob.markRead(got[0]?.seq ?? 0);
    await until(() => bob.connectionState === "open");
    await bob.flush();
    expect(tap.sentOn().filter((f) => f.type === "read")).toEqual([
      { type: "read", data: { seq: got[0]?.seq } },
    ]);
    await until(() => receipts.some((r) => r.status === "read"));
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}
