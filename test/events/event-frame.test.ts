import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Frame, TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

const goDispatch = parse(
  await readFile(new URL("./fixtures/godispatch-config.yaml", import.meta.url), "utf8"),
) as { events: Record<string, unknown> };

/** Postoffice's own form of a few events, beside GoDispatch's. */
const events = {
  ...goDispatch.events,
  whoami: {
    target: "none",
    actions: [{ reply: { payload: { id: "{$user.id}", roles: "{$user.roles}" } } }],
  },
  say: {
    target: "room",
    allow: { member: true },
    payload: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
    actions: [{ notify_room: { event: "said", payload: { text: "{.payload.text}" } } }],
  },
  poke: { target: "user", actions: [{ notify_user: { event: "poked", payload: {} } }] },
  letter: { target: "user", actions: ["mail"] },
  announce: { target: "none", actions: [{ broadcast: { event: "announcement" } }] },
  everywhere: { target: "none", actions: [{ notify_sender: { event: "echo" } }] },
  quote: {
    target: "room",
    actions: [{ notify_room: { event: "quoted", payload: { said: "{.payload.missing}" } } }],
  },
};

describe("the native event frame", () => {
  const { start, connect } = useTestServer();
  const startWithEvents = (extra: Record<string, unknown> = {}) => start({ events, ...extra });

  let ids = 0;
  /** Sends an event and resolves with the answer to it (receipt or error). */
  const emit = async (
    client: TestClient,
    event: string,
    target?: string,
    payload?: unknown,
  ): Promise<Frame> => {
    const id = `e${++ids}`;
    client.send({ type: "event", id, data: { event, target, payload } });
    return client.next((f) => f.ref === id);
  };
  const notices = (client: TestClient, event: string): Array<Frame["data"]> =>
    client.frames.filter((f) => f.type === "event" && f.data?.event === event).map((f) => f.data);
  /** Every frame sent to the client before this returns has arrived. */
  const sync = async (client: TestClient): Promise<void> => {
    client.send({ type: "ping", id: `sync${++ids}` });
    await client.nextOfType("pong");
  };

  it("runs GoDispatch's join_room and send_message as its clients expect, any text intact", async () => {
    await startWithEvents();
    const alice = await connect("alice");
    const bob = await connect("bob");
    expect(await emit(bob, "join_room", "room:global", { name: "Bob" })).toMatchObject({
      type: "receipt",
      data: { status: "accepted", event: "join_room", id: expect.any(String) },
    });
    expect(notices(bob, "join_success")).toEqual([
      expect.objectContaining({
        payload: { room: "room:global", status: "ok" },
        from: "bob",
      }),
    ]);
    await emit(alice, "join_room", "room:global", { name: 'Alice "the <b>first</b>" ✉' });
    await bob.next((f) => f.type === "event" && f.data?.event === "user_joined");
    expect(notices(bob, "user_joined").at(-1)).toEqual({
      event: "user_joined",
      payload: { user: { id: "alice", name: 'Alice "the <b>first</b>" ✉' } },
      from: "alice",
      room: "room:global",
      ts: expect.any(Number),
    });
    const text = 'a "quote", </script>, \\ and 🙂';
    expect((await emit(alice, "send_message", "room:global", { message: text })).type).toBe(
      "receipt",
    );
    const got = await bob.next((f) => f.type === "event" && f.data?.event === "new_message");
    expect(got.data).toMatchObject({ payload: { user: "alice", message: text }, from: "alice" });
  });

  it("answers every refusal with its code and the event frame's ref", async () => {
    await startWithEvents();
    const alice = await connect("alice");
    expect(await emit(alice, "no_such_event", "lobby")).toMatchObject({
      type: "error",
      data: { code: "unknown_event" },
    });
    expect(await emit(alice, "whoami", "lobby")).toMatchObject({
      type: "error",
      data: { code: "invalid_target", reason: "events.whoami.target" },
    });
    expect(await emit(alice, "say", "lobby", { text: "hi" })).toMatchObject({
      type: "error",
      data: { code: "forbidden", reason: "events.say.allow" },
    });
    await emit(alice, "join_room", "lobby", { name: "A" });
    expect(await emit(alice, "say", "lobby", { text: 3 })).toMatchObject({
      type: "error",
      data: { code: "schema_violation", pointer: "/payload/text" },
    });
    expect(await emit(alice, "quote", "lobby", {})).toMatchObject({
      type: "error",
      data: { code: "template_path_missing", pointer: "/payload/missing" },
    });
    expect(await emit(alice, "send_message", "elsewhere", { message: "x" })).toMatchObject({
      type: "error",
      data: { code: "not_a_member" },
    });
  });

  it("refuses an event from a connection that has not authenticated", async () => {
    const server = await startWithEvents();
    const { TestClient } = await import("../support/test-client.js");
    const stranger = new TestClient(server.url);
    await stranger.opened;
    stranger.send({ type: "event", id: "x", data: { event: "whoami" } });
    expect(await stranger.next((f) => f.ref === "x")).toMatchObject({
      type: "error",
      data: { code: "unauthorized" },
    });
    stranger.ws.terminate();
  });

  it("rate-limits per user with the time to wait, and counts every refusal", async () => {
    const server = await startWithEvents();
    const alice = await connect("alice");
    await emit(alice, "join_room", "lobby", { name: "A" });
    for (let i = 0; i < 10; i++) {
      expect((await emit(alice, "send_message", "lobby", { message: `${i}` })).type).toBe(
        "receipt",
      );
    }
    const refused = await emit(alice, "send_message", "lobby", { message: "one too many" });
    expect(refused).toMatchObject({
      type: "error",
      data: {
        code: "rate_limited",
        reason: "events.send_message.modifiers[0] (rate_limit)",
        retryAfterMs: expect.any(Number),
      },
    });
    expect(refused.data?.retryAfterMs as number).toBeGreaterThan(50_000);
    await emit(alice, "nope");
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^postoffice_events_refused_total\{event="send_message",code="rate_limited"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^postoffice_events_refused_total\{event="\(unknown\)",code="unknown_event"\} 1$/m,
    );
    expect(metrics).toMatch(/^postoffice_events_accepted_total\{event="send_message"\} 10$/m);
  });

  it("replies in the receipt", async () => {
    await startWithEvents();
    const alice = await connect("alice", ["member"]);
    expect(await emit(alice, "whoami")).toMatchObject({
      type: "receipt",
      data: {
        event: "whoami",
        reply: { event: "whoami", payload: { id: "alice", roles: ["member"] } },
      },
    });
  });

  it("notifies every connection of a user, and each connection of the sender", async () => {
    await startWithEvents();
    const alice = await connect("alice");
    const phone = await connect("bob");
    const laptop = await connect("bob");
    const bobElsewhere = await connect("bob");
    expect((await emit(alice, "poke", "user:bob")).type).toBe("receipt");
    for (const bob of [phone, laptop, bobElsewhere]) {
      const poked = await bob.next((f) => f.type === "event" && f.data?.event === "poked");
      expect(poked.data).toMatchObject({ from: "alice", payload: {} });
      expect(poked.data?.room).toBeUndefined();
    }
    expect((await emit(laptop, "everywhere", undefined, { n: 1 })).type).toBe("receipt");
    for (const bob of [phone, bobElsewhere]) {
      await bob.next((f) => f.type === "event" && f.data?.event === "echo");
    }
    expect(notices(laptop, "echo")).toEqual([expect.objectContaining({ payload: { n: 1 } })]);
    await sync(alice);
    expect(notices(alice, "echo")).toEqual([]);
  });

  it("mails through the mailbox: stored, listed in the receipt, delivered later, with receipts", async () => {
    await startWithEvents();
    const alice = await connect("alice");
    const receipt = await emit(alice, "letter", "user:carol", { text: "see you <b>soon</b>" });
    expect(receipt).toMatchObject({
      type: "receipt",
      data: { event: "letter", mail: [{ id: expect.any(String), to: "carol", seq: 1 }] },
    });
    const carol = await connect("carol");
    const mail = await carol.nextOfType("message");
    expect(mail.data).toMatchObject({
      from: "alice",
      to: "carol",
      seq: 1,
      body: { text: "see you <b>soon</b>" },
    });
    carol.send({ type: "ack", data: { seq: 1 } });
    const delivered = await alice.next(
      (f) => f.type === "receipt" && f.data?.status === "delivered",
    );
    const mailed = (receipt.data?.mail as Array<{ id: string }> | undefined)?.[0];
    expect(delivered.data).toMatchObject({ id: mailed?.id, to: "carol" });
  });

  it("stores a retried event's mail once (the frame's id)", async () => {
    await startWithEvents();
    const alice = await connect("alice");
    const send = async () => {
      alice.send({
        type: "event",
        id: "same",
        data: { event: "letter", target: "user:dan", payload: { n: 1 } },
      });
      return alice.next((f) => f.ref === "same");
    };
    const first = await send();
    const second = await send();
    expect(second.data?.mail).toEqual(first.data?.mail);
    const dan = await connect("dan");
    await dan.nextOfType("message");
    await sync(dan);
    expect(dan.frames.filter((f) => f.type === "message")).toHaveLength(1);
  });

  it("applies the permissions as the native frames do, naming the rule", async () => {
    await startWithEvents({
      permissions: {
        rooms: [
          { match: "staff-*", join: ["staff"], send: ["staff"], history: ["staff"] },
          { match: "*", join: ["*"], send: ["*"], history: ["*"] },
        ],
        direct: [{ from: ["*"], to: ["self", "role:support"] }],
        broadcast: ["admin"],
      },
    });
    const alice = await connect("alice");
    expect(await emit(alice, "join_room", "staff-room", { name: "A" })).toMatchObject({
      type: "error",
      data: { code: "forbidden", reason: "permissions.rooms[0]" },
    });
    expect(await emit(alice, "poke", "user:bob")).toMatchObject({
      type: "error",
      data: { code: "forbidden", reason: expect.stringMatching(/^permissions\.direct/) },
    });
    expect(await emit(alice, "announce")).toMatchObject({
      type: "error",
      data: { code: "forbidden", reason: "permissions.broadcast" },
    });
    const admin = await connect("root", ["admin"]);
    expect((await emit(admin, "announce", undefined, { text: "maintenance" })).type).toBe(
      "receipt",
    );
    const announced = await alice.next((f) => f.type === "event");
    expect(announced.data).toMatchObject({
      event: "announcement",
      payload: { text: "maintenance" },
      from: "root",
    });
  });

  it("keeps notices out of the room's numbering and history", async () => {
    await startWithEvents({
      rooms: { settings: [{ match: "*", presence: false, history: 10 }] },
    });
    const alice = await connect("alice");
    await emit(alice, "join_room", "lobby", { name: "A" });
    await emit(alice, "send_message", "lobby", { message: "a notice" });
    alice.send({ type: "message", id: "m", data: { room: "lobby", text: "a message" } });
    expect((await alice.next((f) => f.ref === "m")).data).toMatchObject({ status: "accepted" });
    const bob = await connect("bob");
    bob.send({ type: "join", id: "j", data: { room: "lobby", since: 0 } });
    const joined = await bob.next((f) => f.ref === "j");
    expect(joined.data).toMatchObject({ position: 1 });
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.data?.body)).toEqual([
      { text: "a message" },
    ]);
    expect(bob.frames.filter((f) => f.type === "event")).toEqual([]);
  });
});
