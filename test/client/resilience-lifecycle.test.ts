import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import type { PostofficeClient } from "../../src/client/index.js";
import { nextTurn, until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool, collect, outcome } from "./client-pool.js";
import { tapSocket } from "./tap-socket.js";

/**
 * The review findings of the SDK about listeners and the client's own life cycle, each
 * against a real server on 127.0.0.1: failing listeners and position stores, idempotent
 * `connect()`, `flush()` and `close()`.
 */
describe("PostofficeClient resilience: listeners and life cycle", () => {
  const ts = useTestServer();
  const { client, closeAll } = clientPool(() => ts.server.url);
  afterEach(() => {
    closeAll(); // before the server stops: useTestServer's afterEach was registered first
    vi.restoreAllMocks();
  });

  it("keeps delivering when the position store throws", async () => {
    await ts.start();
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
    await ts.start();
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
      await nextTurn(); // finishes on a later turn than the first listener
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
    await ts.start();
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
      await until(
        () => seen.length === 1 && logged.mock.calls.length >= 2,
        "both listeners' errors",
      );
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
      await until(
        () => seen.length === 2 && logged.mock.calls.length >= 1,
        "the error listener's error",
      );
      // Node reports an unhandled rejection after the microtasks of the turn that made it.
      await nextTurn();
      expect(logged.mock.calls.map((call) => String(call[1]))).toEqual([
        "Error: error listener bug",
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("connect() is idempotent; close() detaches the socket and later calls reject with `closed`", async () => {
    await ts.start();
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
    // Its socket closed after the welcome came in: a `welcome` event would have come by then.
    await until(() => bobTap.sockets[0]?.readyState === WebSocket.CLOSED, "bob's socket to close");
    expect(welcomes).toEqual([]);
    expect(bob.connectionState).toBe("closed");
    expect(await outcome(bob.send("alice", { x: 1 }), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.join("x"), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.flush(), 500)).toMatchObject({ code: "closed" });
    expect(await outcome(bob.connect(), 500)).toMatchObject({ code: "closed" });
    expect(bobTap.sockets.length).toBe(1);
  });

  it("flush() waits for the mail listeners, and no listener runs after close()", async () => {
    await ts.start();
    const alice = client("alice");
    await alice.connect();
    for (let n = 1; n <= 3; n++) await alice.send("bob", { n });
    let arrived = 0;
    const tap = tapSocket({
      filterIn(_socket, text) {
        if ((JSON.parse(text) as { type: string }).type === "message") arrived += 1;
        return true;
      },
    });
    const bob = client("bob", { WebSocket: tap.Factory });
    const seen: number[] = [];
    // Each listener holds until the test lets the first one go.
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    bob.on("mail", async (m) => {
      seen.push(m.seq);
      await held;
    });
    await bob.connect();
    await until(
      () => arrived === 3 && seen.length === 1,
      "three mails in, the first listener running",
    );
    const flushed = bob.flush();
    await nextTurn();
    // flush() pings the node only once the listeners are done.
    expect(tap.sentOn().filter((f) => f.type === "ping")).toEqual([]);
    letGo();
    await flushed;
    bob.close();
    expect(seen).toEqual([1, 2, 3]);
    // Every ack was kept: a new device (resuming from the acknowledged position) gets only
    // what comes next, and nothing is replayed before it.
    const next = client("bob");
    const replayed = collect(next);
    await next.connect();
    await alice.send("bob", { n: 4 });
    await until(() => replayed.length > 0, "the next mail");
    await next.flush();
    expect(replayed.map((m) => m.seq)).toEqual([4]);
    next.close();

    for (let n = 5; n <= 7; n++) await alice.send("bob", { n });
    const last = client("bob");
    const handled: number[] = [];
    let firstRunning: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      firstRunning = resolve;
    });
    let finish: () => void = () => undefined;
    const finishing = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let finished = false;
    last.on("mail", async (m) => {
      handled.push(m.seq);
      firstRunning();
      await finishing;
      finished = true;
    });
    await last.connect();
    await running;
    last.close();
    finish();
    // The listener already running finishes; the mails behind it would start right after.
    await until(() => finished, "the running listener to finish");
    await nextTurn();
    expect(handled).toEqual([5]);
  });
});
