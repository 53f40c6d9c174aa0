import { afterEach, describe, expect, it } from "vitest";
import { type EventNotice, PostofficeError } from "../../src/client/index.js";
import { useTestServer } from "../support/use-test-server.js";
import { clientPool } from "./client-pool.js";

const events = {
  join_room: { target: "room", actions: ["join"] },
  send_message: {
    target: "room",
    payload: { type: "object", required: ["message"] },
    modifiers: [{ rate_limit: "2/m" }],
    actions: [
      {
        notify_room: {
          event: "new_message",
          payload: { user: "{$user.id}", message: "{.payload.message}" },
        },
      },
    ],
  },
  price: { target: "none", actions: [{ reply: { payload: { amount: 3 } } }] },
  letter: { target: "user", actions: ["mail"] },
};

describe("the SDK's declared events", () => {
  const ts = useTestServer();
  const { client, closeAll } = clientPool(() => ts.server.url);
  afterEach(closeAll);

  it("emits an event, and hears its notices by name with their payload", async () => {
    await ts.start({ events });
    const alice = client("alice");
    const bob = client("bob");
    const heard: Array<[unknown, EventNotice]> = [];
    const all: string[] = [];
    let resolveHeard: () => void = () => undefined;
    const heardOne = new Promise<void>((resolve) => {
      resolveHeard = resolve;
    });
    bob.on("new_message", (payload, notice) => {
      heard.push([payload, notice]);
      resolveHeard();
    });
    bob.on("event", (notice) => void all.push(notice.event));
    await Promise.all([alice.connect(), bob.connect()]);
    await bob.emit("join_room", "lobby");
    const receipt = await alice.emit("join_room", "lobby");
    expect(receipt).toMatchObject({
      event: "join_room",
      id: expect.any(String),
      ref: expect.any(String),
    });
    await alice.emit("send_message", "lobby", { message: 'say "hi" <b>' });
    await heardOne;
    expect(heard).toEqual([
      [
        { user: "alice", message: 'say "hi" <b>' },
        expect.objectContaining({ event: "new_message", from: "alice", room: "lobby" }),
      ],
    ]);
    expect(all).toEqual(["new_message"]);
  });

  it("resolves with the event's reply and the mail it stored", async () => {
    await ts.start({ events });
    const alice = client("alice");
    await alice.connect();
    expect((await alice.emit("price")).reply).toEqual({ event: "price", payload: { amount: 3 } });
    const letter = await alice.emit("letter", "user:bob", { text: "hi" });
    expect(letter.mail).toEqual([
      { id: expect.any(String), to: "bob", seq: 1, ts: expect.any(Number) },
    ]);
  });

  it("rejects a refused event with the server's code and the rule that refused", async () => {
    await ts.start({ events });
    const alice = client("alice");
    await alice.connect();
    const unknown = await alice.emit("nope").catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(PostofficeError);
    expect((unknown as PostofficeError).code).toBe("unknown_event");
    await alice.emit("join_room", "lobby");
    await alice.emit("send_message", "lobby", { message: "1" });
    await alice.emit("send_message", "lobby", { message: "2" });
    const limited = await alice
      .emit("send_message", "lobby", { message: "3" })
      .catch((error: unknown) => error as PostofficeError);
    expect(limited).toMatchObject({
      code: "rate_limited",
      details: { retryAfterMs: expect.any(Number), reason: expect.stringContaining("rate_limit") },
    });
    expect((await alice.send("bob", { text: "other frames go on" })).id).toEqual(
      expect.any(String),
    );
  });

  it("does not send an event while offline", async () => {
    await ts.start({ events });
    const alice = client("alice");
    const refused = await alice.emit("price").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "closed", details: { reason: "not_connected" } });
  });
});
