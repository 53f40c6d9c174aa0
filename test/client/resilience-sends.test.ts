import { afterEach, describe, expect, it, vi } from "vitest";
import { PostofficeError } from "../../src/client/index.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool, collect, outcome } from "./client-pool.js";
import { tapSocket } from "./tap-socket.js";

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
});
