import { afterEach, describe, expect, it, vi } from "vitest";
import type { MailboxReset, PostofficeClient, Receipt, RoomReset } from "../../src/client/index.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool, collect, outcome } from "./client-pool.js";
import { tapSocket } from "./tap-socket.js";

/**
 * The review findings of the SDK about reconnecting, each against a real server on 127.0.0.1:
 * rooms and mailbox resumed (or reset) after a reconnect, the backoff and its floors, and
 * what is sent again after a welcome.
 */
describe("PostofficeClient resilience: reconnects and resumes", () => {
  const ts = useTestServer();
  const { client, closeAll } = clientPool(() => ts.server.url);
  afterEach(() => {
    vi.useRealTimers();
    closeAll(); // before the server stops: useTestServer's afterEach was registered first
    vi.restoreAllMocks();
  });

  it("rejoins before resending, and takes a restarted room numbering from `joined` (roomReset)", async () => {
    await ts.start();
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
    const release = alice.holdTokens();
    tap.sockets.at(-1)?.terminate();
    await until(() => alice.connectionState !== "open");
    const queued = alice.sendToRoom("solo", { text: "queued" });
    release();
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

  it("is in the rooms the server joins it to (chat mode), from each welcome on, and says what it missed offline", async () => {
    await ts.start({ preset: "chat" });
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const welcomed: string[][] = [];
    alice.on("welcome", (info) => {
      welcomed.push(info.rooms);
    });
    const seen: string[] = [];
    alice.on("roomMessage", (m) => {
      seen.push(`${m.room} ${m.from}: ${m.body.text}`);
    });
    const presence: string[] = [];
    alice.on("presence", (p) => {
      presence.push(`${p.user} ${p.event}`);
    });
    const resets: RoomReset[] = [];
    alice.on("roomReset", (reset) => {
      resets.push(reset);
    });
    await alice.connect();
    expect(welcomed).toEqual([["chat"]]);
    await bob.connect();
    await until(() => presence.includes("bob join"), "bob's arrival");
    // Without a `join` of its own: the server joined it, and it may talk there.
    await alice.sendToRoom("chat", { text: "mine" });
    await bob.sendToRoom("chat", { text: "yours" });
    await until(() => seen.length === 2, "both lines");
    expect(seen).toEqual(["chat alice: mine", "chat bob: yours"]);

    // Offline while bob talks: back in the room at the next welcome, told what it missed.
    const release = alice.holdTokens();
    tap.sockets.at(-1)?.terminate();
    await until(() => alice.connectionState !== "open");
    await bob.sendToRoom("chat", { text: "missed" });
    release();
    await until(() => welcomed.length === 2, "the second welcome");
    expect(welcomed[1]).toEqual(["chat"]);
    await until(() => resets.length === 1, "the reset");
    expect(resets[0]).toMatchObject({ room: "chat", since: 2, position: 3, recovered: false });
    await bob.sendToRoom("chat", { text: "back" });
    await until(() => seen.length === 3, "the line after the reconnect");
    expect(seen[2]).toBe("chat bob: back");
    // The server rejoins it: the client sends no `join` of its own.
    expect(tap.sentOn().filter((f) => f.type === "join")).toEqual([]);
  });

  it("starts again from the new mailbox when the server's numbering restarted (mailboxReset)", async () => {
    const memory = {
      mailbox: { store: "memory" },
      server: { shutdown: { reconnectWindowMs: 100 } },
    };
    const server = await ts.start(memory);
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
    await ts.start({ ...memory, server: { ...memory.server, port } }, { dir });
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

  it("waits at least the server's retryAfterMs (or 1 s) before reconnecting after a 4429", async () => {
    await ts.start({
      limits: { rate: { message: { perSecond: 1, burst: 1 }, closeAfterRefusals: 2 } },
    });
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    await alice.connect();
    const first = tap.sockets[0];
    let code = 0;
    first?.on("close", (c) => {
      code = c;
    });
    // The client's reconnect timer is fake from here: its floor is checked, not waited out.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    // Flood the connection behind the client's back, as a buggy app's raw frames would.
    for (let i = 0; i < 6; i++)
      first?.send(JSON.stringify({ type: "message", data: { to: "bob" } }));
    await until(() => code !== 0, "the close");
    expect(code).toBe(4429);
    // A reconnect starts with a token fetch, at once when its timer fires.
    const attempts = alice.tokenFetches();
    await vi.advanceTimersByTimeAsync(999);
    expect(alice.tokenFetches()).toBe(attempts);
    // The floor, plus the largest backoff (maxDelayMs: 100).
    await vi.advanceTimersByTimeAsync(101);
    expect(alice.tokenFetches()).toBe(attempts + 1);
    vi.useRealTimers();
    await until(
      () => tap.sockets.length === 2 && alice.connectionState === "open",
      "the new connection",
    );
  });

  it("resets the backoff only once a connection has stayed open a while", async () => {
    await ts.start();
    let drops = 3;
    const tap = tapSocket({
      filterIn(socket, text) {
        if (drops > 0 && (JSON.parse(text) as { type: string }).type === "welcome") {
          drops -= 1;
          // Once the client has taken the welcome in: the connection opened, then dropped.
          setImmediate(() => socket.terminate());
        }
        return true;
      },
    });
    const alice = client("alice", {
      WebSocket: tap.Factory,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40, resetAfterMs: 300 },
    });
    const attempt = () =>
      (alice as unknown as { connection: { attempt: number } }).connection.attempt;
    // The client's timers (backoff, and how long a connection has stayed open) are fake: the
    // test moves them on in steps of 5 ms until the fourth connection is open.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const connected = alice.connect();
    await until(async () => {
      if (tap.sockets.length === 4 && alice.connectionState === "open") return true;
      await vi.advanceTimersByTimeAsync(5);
      return false;
    }, "four connections, the last one open");
    await connected;
    expect(attempt()).toBe(3);
    await vi.advanceTimersByTimeAsync(250);
    expect(attempt()).toBe(3);
    await vi.advanceTimersByTimeAsync(60);
    expect(attempt()).toBe(0);
  });

  it("ignores messages of a room it has left, and does not rejoin it", async () => {
    await ts.start();
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
    const mail = collect(alice);
    const bob = client("bob");
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join("busy");
    await bob.join("busy");
    await bob.sendToRoom("busy", { i: 1 });
    await until(() => leaving !== undefined);
    await leaving;
    await bob.sendToRoom("busy", { i: 2 });
    // Then a mail from bob: a room message sent before it would have reached alice first.
    await bob.send("alice", { after: "i: 2" });
    await until(() => mail.length === 1, "bob's mail");
    expect(seen).toEqual([]);
    tap.sockets.at(-1)?.terminate();
    await until(() => tap.sockets.length === 2 && alice?.connectionState === "open");
    await bob.flush();
    // No join: only the auth, and the ack of bob's mail again (as after every welcome).
    expect(tap.sentOn().map((f) => f.type)).toEqual(["auth", "ack"]);
    expect(await bob.who("busy")).toEqual(["bob"]);
  });

  it("sends a markRead made while offline after the next welcome", async () => {
    await ts.start();
    const tap = tapSocket();
    const alice = client("alice");
    const receipts: Receipt[] = [];
    alice.on("receipt", (r) => void receipts.push(r));
    const bob = client("bob", { WebSocket: tap.Factory });
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.send("bob", { text: "read me" });
    await until(() => got.length === 1);
    const release = bob.holdTokens();
    tap.sockets[0]?.terminate();
    await until(() => bob.connectionState !== "open");
    bob.markRead(got[0]?.seq ?? 0);
    release();
    await until(() => bob.connectionState === "open");
    await bob.flush();
    expect(tap.sentOn().filter((f) => f.type === "read")).toEqual([
      { type: "read", data: { seq: got[0]?.seq } },
    ]);
    await until(() => receipts.some((r) => r.status === "read"));
  });
});
