import { afterEach, describe, expect, it, vi } from "vitest";
import { PostofficeError } from "../../src/client/index.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool, collect, outcome } from "./client-pool.js";
import { type TappedSocket, tapSocket } from "./tap-socket.js";

/**
 * The review findings of the SDK about sends, each against a real server on 127.0.0.1: lost
 * receipts, `waitFor: "delivered"`, and the pace of a long offline queue.
 */
describe("PostofficeClient resilience: sends and receipts", () => {
  const ts = useTestServer();
  const { client, closeAll } = clientPool(() => ts.server.url);
  afterEach(() => {
    vi.useRealTimers();
    closeAll(); // before the server stops: useTestServer's afterEach was registered first
    vi.restoreAllMocks();
  });

  it("resends mail whose receipt was lost, but rejects a room message or broadcast as outcome unknown", async () => {
    await ts.start();
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
    // Then one more of each: a repeat of the first ones would come before these.
    await ann.sendToRoom("lobby", { text: "last" });
    await ann.broadcast({ text: "last" });
    await ann.send("bob", { text: "last" });
    await until(
      () => [rooms, broadcasts, mail.map((m) => m.body.text)].every((got) => got.includes("last")),
      "the last room message, broadcast and mail",
    );
    expect(rooms).toEqual(["hello room", "last"]);
    expect(broadcasts).toEqual(["hello all", "last"]);
    expect(mail.map((m) => m.body.text)).toEqual(["hello mail", "last"]);
  });

  it("waitFor delivered: resolves with the receipt even when `delivered` overtakes `accepted`", async () => {
    await ts.start();
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
    const got = collect(bob);
    await bob.connect();
    const alice = client("alice", { WebSocket: tap.Factory });
    await alice.connect();
    const release = alice.holdTokens(); // alice stays away while bob acknowledges the mail
    dropNextAccepted = true;
    const sending = outcome(alice.send("bob", { text: "Read this" }, { waitFor: "delivered" }));
    await until(() => got.length === 1, "bob's mail");
    await bob.flush(); // the node has bob's ack: the delivered receipt waits for alice
    release();
    const result = await sending;
    expect(result).toEqual({
      id: expect.any(String),
      ref: expect.any(String),
      ts: expect.any(Number),
    });
    expect(order.indexOf("delivered")).toBeLessThan(order.lastIndexOf("accepted"));
  });

  it("waitFor delivered: rejects with `timeout` after deliveredTimeoutMs", async () => {
    await ts.start();
    let accepted = false;
    const tap = tapSocket({
      filterIn(_socket, text) {
        const frame = JSON.parse(text) as { type: string; data?: { status?: string } };
        if (frame.type === "receipt" && frame.data?.status === "accepted") accepted = true;
        return true;
      },
    });
    const alice = client("alice", { WebSocket: tap.Factory });
    await alice.connect();
    // The client's timer is fake from here: the timeout is counted from `accepted`, by the test.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let result: unknown = "pending";
    void alice
      .send("nobody-online", { x: 1 }, { waitFor: "delivered", deliveredTimeoutMs: 200 })
      .then(
        (value) => {
          result = value;
        },
        (error: unknown) => {
          result = error;
        },
      );
    await until(() => accepted, "the accepted receipt");
    await vi.advanceTimersByTimeAsync(199);
    expect(result).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBeInstanceOf(PostofficeError);
    expect(result).toMatchObject({
      code: "timeout",
      details: { reason: "delivered_timeout", accepted: { id: expect.any(String) } },
    });
  });

  it("paces a long offline queue so that it does not trip the rate limit", async () => {
    await ts.start({
      limits: { rate: { message: { perSecond: 25, burst: 10 }, closeAfterRefusals: 10 } },
    });
    const tap = tapSocket();
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const release = alice.holdTokens();
    tap.sockets[0]?.terminate();
    await until(() => alice.connectionState !== "open");
    const sends = Array.from({ length: 40 }, (_, n) => alice.send("bob", { n }));
    release();
    const results = await Promise.all(sends.map((s) => outcome(s, 10_000)));
    expect(results.filter((r) => r instanceof PostofficeError || r === "pending")).toEqual([]);
    expect(tap.sockets.length).toBe(2); // no 4429 close
    await until(() => got.length === 40);
    expect(got.map((m) => m.body.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
  }, 20_000);

  it("keeps a sender's order when a send pipelined behind a rate-limited one reaches the server after the bucket refilled", async () => {
    await ts.start({
      limits: { rate: { message: { perSecond: 5, burst: 1 }, closeAfterRefusals: 100 } },
    });
    let third: { socket: TappedSocket; text: string } | undefined;
    let refusal: { retryAfterMs: number } | undefined;
    const tap = tapSocket({
      // n: 3 is held back, and reaches the server once the bucket has a token again.
      filterOut(socket, text) {
        if (third === undefined && text.includes('"n":3')) {
          third = { socket, text };
          return false;
        }
        return true;
      },
      filterIn(_socket, text) {
        const frame = JSON.parse(text) as { type: string; data: Record<string, unknown> };
        if (frame.type === "error" && refusal === undefined)
          refusal = { retryAfterMs: Number(frame.data.retryAfterMs) };
        return true;
      },
    });
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    // A window of one (n: 1, the bucket's token), then one of two: n: 2 refused, n: 3 late.
    const sends = [1, 2, 3].map((n) => alice.send("bob", { n }));
    await until(() => refusal !== undefined && third !== undefined, "n: 2 refused, n: 3 held");
    // Bounded by the server's own answer (≤ 200 ms): the bucket refills on a monotonic clock.
    await new Promise((resolve) => setTimeout(resolve, (refusal?.retryAfterMs ?? 0) + 20));
    third?.socket.sendLater(third.text);
    const results = await Promise.all(sends.map((s) => outcome(s, 10_000)));
    expect(results.filter((r) => r instanceof PostofficeError || r === "pending")).toEqual([]);
    await until(() => got.length === 3);
    expect(got.map((m) => m.body.n)).toEqual([1, 2, 3]);
  });

  it("resends mail answered outcome_unknown, the same frame before the ones behind it, and it lands once", async () => {
    await ts.start();
    let replaced = false;
    const tap = tapSocket({
      // The store kept the first mail, but the answer says it may not have.
      filterIn(_socket, text) {
        const frame = JSON.parse(text) as { type: string; ref?: string; data: { status?: string } };
        if (replaced || frame.type !== "receipt" || frame.data.status !== "accepted") return true;
        replaced = true;
        return JSON.stringify({
          type: "error",
          ref: frame.ref,
          data: { code: "outcome_unknown", message: "The store may or may not have kept it." },
        });
      },
    });
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const first = alice.send("bob", { n: 1 });
    const second = alice.send("bob", { n: 2 });
    expect(await outcome(first)).toMatchObject({ id: expect.any(String) });
    expect(await outcome(second)).toMatchObject({ id: expect.any(String) });
    const sent = tap.sentOn().filter((frame) => frame.type === "message");
    expect(sent.map((frame) => frame.data?.n)).toEqual([1, 1, 2]);
    expect(sent[1]?.id).toBe(sent[0]?.id);
    await until(() => got.length === 2);
    expect(got.map((m) => m.body.n)).toEqual([1, 2]);
  });

  it("resends mail answered store_unavailable after a wait, and puts a send refused by a draining server back for the next connection", async () => {
    await ts.start();
    const answers: string[] = [];
    const replace: Array<"store_unavailable" | "server_shutdown"> = [
      "store_unavailable",
      "server_shutdown",
    ];
    const tap = tapSocket({
      filterIn(socket, text) {
        const frame = JSON.parse(text) as { type: string; ref?: string; data: { status?: string } };
        if (frame.type !== "receipt" || frame.data.status !== "accepted") return true;
        const code = replace.shift();
        if (code === undefined) return true;
        answers.push(code);
        // A draining server closes with 1001 after its answers.
        if (code === "server_shutdown") setTimeout(() => socket.terminate(), 10);
        return JSON.stringify({ type: "error", ref: frame.ref, data: { code, message: code } });
      },
    });
    const alice = client("alice", { WebSocket: tap.Factory });
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const results = await Promise.all([1, 2, 3].map((n) => outcome(alice.send("bob", { n }))));
    expect(results.filter((r) => r instanceof PostofficeError || r === "pending")).toEqual([]);
    expect(answers).toEqual(["store_unavailable", "server_shutdown"]);
    expect(tap.sockets.length).toBe(2);
    await until(() => got.length === 3);
    expect(got.map((m) => m.body.n)).toEqual([1, 2, 3]);
  });
});
