import { afterEach, describe, expect, it } from "vitest";
import { PostofficeError } from "../../src/client/index.js";
import { nextTurn, until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool, collect } from "./client-pool.js";
import { tapSocket } from "./tap-socket.js";

describe("PostofficeClient against a real server", () => {
  const ts = useTestServer();
  const { client, closeAll } = clientPool(() => ts.server.url, {
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
  afterEach(closeAll); // before the server stops: useTestServer's afterEach was registered first

  it("sends mail, settles on accepted, and on delivered once the recipient's handler has run", async () => {
    await ts.start();
    const alice = client("alice");
    const tap = tapSocket();
    const bob = client("bob", { WebSocket: tap.Factory });
    // bob's handler of the second mail runs until the test lets it finish.
    let running: () => void = () => undefined;
    const handlerRunning = new Promise<void>((resolve) => {
      running = resolve;
    });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let handled = false;
    bob.on("mail", async (mail) => {
      if (mail.body.text !== "and this?") return;
      running();
      await finished;
      handled = true;
    });
    await Promise.all([alice.connect(), bob.connect()]);
    const accepted = await alice.send("bob", { text: "hi" });
    expect(accepted.id).toMatch(/-/);
    const delivered = alice.send("bob", { text: "and this?" }, { waitFor: "delivered" });
    await handlerRunning;
    await nextTurn();
    // While its handler runs, bob has not acknowledged the mail: it cannot be delivered yet.
    expect(tap.sentOn().filter((f) => f.type === "ack" && f.data?.seq === 2)).toEqual([]);
    finish();
    expect((await delivered).ref).toBeDefined();
    expect(handled).toBe(true);
  });

  it("acknowledges a replayed backlog with a few cumulative acks, the last one its end, not one ack per mail", async () => {
    await ts.start();
    const alice = client("alice");
    await alice.connect();
    const count = 600;
    await Promise.all(Array.from({ length: count }, (_, i) => alice.send("bob", { n: i })));
    const tap = tapSocket();
    const bob = client("bob", { WebSocket: tap.Factory });
    const seen: number[] = [];
    bob.on("mail", (mail) => {
      seen.push(mail.body.n as number);
    });
    const delivered = alice.send("bob", { n: count }, { waitFor: "delivered" });
    await bob.connect();
    await delivered;
    expect(seen).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
    const acks = tap
      .sentOn()
      .filter((f) => f.type === "ack")
      .map((f) => f.data?.seq as number);
    expect(acks.at(-1)).toBe(count + 1);
    // Cumulative and increasing; at most one per ACK_EVERY (256) entries, plus a burst's end.
    expect([...acks].sort((a, b) => a - b)).toEqual(acks);
    expect(acks.length).toBeLessThan(count / 10);
  });

  it("rejects a refused send with the server's code", async () => {
    await ts.start({ permissions: { direct: [{ from: ["admin"], to: ["*"] }] } });
    const alice = client("alice");
    await alice.connect();
    const refusal = await alice.send("bob", { text: "hi" }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PostofficeError);
    expect((refusal as PostofficeError).code).toBe("forbidden");
  });

  it("queues sends made while offline and delivers them, once, after reconnecting", async () => {
    const server = await ts.start({ server: { shutdown: { reconnectWindowMs: 200 } } });
    const port = server.node.port;
    const dir = server.dir;
    const alice = client("alice");
    const bob = client("bob");
    const got = collect(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.send("bob", { n: 1 });
    await until(() => got.length === 1);

    await server.halt();
    const offline = [alice.send("bob", { n: 2 }), alice.send("bob", { n: 3 })];
    await ts.start({ server: { port, shutdown: { reconnectWindowMs: 200 } } }, { dir });
    await Promise.all(offline);
    await until(() => got.length === 3);
    expect(got.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(new Set(got.map((m) => m.id)).size).toBe(3);
  });

  it("resumes after a restart without a gap or a duplicate, from the last mail its handler finished", async () => {
    const server = await ts.start({ server: { shutdown: { reconnectWindowMs: 200 } } });
    const { dir } = server;
    const port = server.node.port;
    const alice = client("alice");
    await alice.connect();
    const bob = client("bob");
    const got = collect(bob);
    await bob.connect();
    for (let n = 1; n <= 20; n++) await alice.send("bob", { n });
    await until(() => got.length === 20);
    await server.halt();
    await ts.start({ server: { port, shutdown: { reconnectWindowMs: 200 } } }, { dir });
    await until(() => alice.connectionState === "open" && bob.connectionState === "open");
    for (let n = 21; n <= 31; n++) await alice.send("bob", { n });
    // Mail comes in mailbox order: a gap or a repeat would show before the last one.
    await until(() => got.some((m) => m.body.n === 31), "the last mail");
    expect(got.map((m) => (m.body as { n: number }).n)).toEqual(
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
  });

  it("rejoins its rooms after reconnecting and gets what it missed", async () => {
    await ts.start({ rooms: { settings: [{ match: "*", history: 50 }] } });
    const alice = client("alice");
    const bob = client("bob");
    const seen: number[] = [];
    bob.on("roomMessage", (message) => {
      seen.push((message.body as { n: number }).n);
    });
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join("lobby");
    await bob.join("lobby");
    await alice.sendToRoom("lobby", { n: 1 });
    await until(() => seen.length === 1);
    expect(await bob.who("lobby")).toEqual(expect.arrayContaining(["alice", "bob"]));
    // Room history lives in the node's memory: this one only drops bob's connection.
    const raw = (bob as unknown as { connection: { socket: { close(): void } } }).connection.socket;
    raw.close();
    await alice.sendToRoom("lobby", { n: 2 });
    await until(() => seen.length === 2);
    expect(seen).toEqual([1, 2]);
  });

  it("starts a new device where the mailbox was last acknowledged, not from the beginning", async () => {
    await ts.start();
    const alice = client("alice");
    await alice.connect();
    const first = client("bob");
    const seenFirst = collect(first);
    await first.connect();
    await alice.send("bob", { n: 1 });
    await until(() => seenFirst.length === 1);
    await first.flush();
    first.close();
    await alice.send("bob", { n: 2 });
    const second = client("bob");
    const seenSecond = collect(second);
    await second.connect();
    await until(() => seenSecond.length === 1);
    await second.flush();
    expect(seenSecond.map((m) => m.body)).toEqual([{ n: 2 }]);
  });

  it("keeps a device's position in the given store and resumes from it", async () => {
    await ts.start();
    const alice = client("alice");
    await alice.connect();
    for (let n = 1; n <= 3; n++) await alice.send("bob", { n });
    const store = new Map<string, string>();
    const positions = {
      get: (k: string) => store.get(k),
      set: (k: string, v: string) => void store.set(k, v),
    };
    const phone = client("bob", { positions, positionKey: "bob-phone" });
    const seen = collect(phone);
    await phone.connect();
    await until(() => seen.length === 3);
    expect(store.get("bob-phone")).toBe("3");
  });
});
