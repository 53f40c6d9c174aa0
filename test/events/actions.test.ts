import { describe, expect, it } from "vitest";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

describe("built-in actions", () => {
  it("join and leave act for the sender's connection, on the target by default", async () => {
    const { engine } = await engineFor({
      enter: { target: "room", actions: ["join"] },
      exit: { target: "room", actions: [{ leave: { room: "{$target.id}" } }] },
    });
    const ports = new RecordingPorts();
    expect((await engine.handle({ event: "enter", target: "lobby" }, ports)).ok).toBe(true);
    expect(ports.rooms.has("lobby")).toBe(true);
    expect((await engine.handle({ event: "exit", target: "lobby" }, ports)).ok).toBe(true);
    expect(ports.calls).toEqual([
      { op: "join", room: "lobby" },
      { op: "leave", room: "lobby" },
    ]);
  });

  it("join passes on the server's refusal (permissions, room limits) with its code and rule", async () => {
    const { engine } = await engineFor({ enter: { actions: ["join"] } });
    const ports = new RecordingPorts();
    ports.refusals.set("join", {
      ok: false,
      code: "forbidden",
      message: "no",
      reason: "permissions.rooms[0]",
    });
    const outcome = await engine.handle({ event: "enter", target: "staff" }, ports);
    expect(outcome).toMatchObject({
      ok: false,
      refusal: { code: "forbidden", reason: "permissions.rooms[0]" },
    });
  });

  it("join refuses a placeholder that resolves to something other than a room name, before doing anything", async () => {
    const { engine } = await engineFor({
      enter: {
        target: "none",
        actions: [{ notify_origin: { event: "ok" } }, { join: { room: "{.payload.room}" } }],
      },
    });
    const ports = new RecordingPorts();
    const outcome = await engine.handle({ event: "enter", payload: { room: "bad room!" } }, ports);
    expect(outcome).toMatchObject({ ok: false, refusal: { code: "invalid_param" } });
    expect(ports.calls).toEqual([]);
  });

  it("notify_room sends {event, payload} to the room the sender is in", async () => {
    const { engine } = await engineFor({
      chat: {
        actions: [
          {
            notify_room: { event: "said", payload: { by: "{$user.id}", text: "{.payload.text}" } },
          },
        ],
      },
    });
    const ports = new RecordingPorts();
    ports.rooms.add("lobby");
    await engine.handle({ event: "chat", target: "lobby", payload: { text: "<b>hi</b>" } }, ports);
    expect(ports.calls).toEqual([
      {
        op: "notifyRoom",
        room: "lobby",
        notice: { event: "said", payload: { by: "alice", text: "<b>hi</b>" } },
      },
    ]);
  });

  it("notify_room refuses a sender who is not in the room, unless the event joins it first", async () => {
    const { engine } = await engineFor({
      chat: { actions: [{ mail: { to: "bob" } }, { notify_room: { event: "said" } }] },
      hello: { actions: ["join", { notify_room: { event: "hello" } }] },
    });
    const ports = new RecordingPorts();
    const refused = await engine.handle({ event: "chat", target: "lobby", payload: {} }, ports);
    expect(refused).toMatchObject({
      ok: false,
      refusal: { code: "not_a_member", reason: "events.chat.actions[1] (notify_room)" },
    });
    expect(ports.calls).toEqual([]);
    expect((await engine.handle({ event: "hello", target: "lobby" }, ports)).ok).toBe(true);
    expect(ports.calls.map((call) => call.op)).toEqual(["join", "notifyRoom"]);
  });

  it("notify_room to a user:<id> target reaches that user's connections, as GoDispatch's", async () => {
    const { engine } = await engineFor({
      poke: { actions: [{ notify_room: { event: "poked" } }] },
    });
    const ports = new RecordingPorts();
    await engine.handle({ event: "poke", target: "user:bob", payload: { n: 1 } }, ports);
    expect(ports.calls).toEqual([
      { op: "notifyUser", user: "bob", notice: { event: "poked", payload: { n: 1 } } },
    ]);
  });

  it("notify_origin, notify_sender and notify_user reach the connection, the sender's connections, and a user", async () => {
    const { engine } = await engineFor({
      ping: {
        target: "user",
        actions: [
          { notify_origin: { event: "pong" } },
          { notify_sender: { event: "sent", payload: "{$target.user}" } },
          { notify_user: { event: "pinged", payload: { from: "{$user.id}" } } },
        ],
      },
    });
    const ports = new RecordingPorts();
    await engine.handle({ event: "ping", target: "user:bob", payload: [1, 2] }, ports);
    expect(ports.calls).toEqual([
      { op: "notifyOrigin", notice: { event: "pong", payload: [1, 2] } },
      { op: "notifyUser", user: "alice", notice: { event: "sent", payload: "bob" } },
      { op: "notifyUser", user: "bob", notice: { event: "pinged", payload: { from: "alice" } } },
    ]);
  });

  it("mail stores a mail to a user as the sender, lists it in the receipt, and lands a retried frame once", async () => {
    const { engine } = await engineFor({
      dm: { target: "user", payload: { type: "object", required: ["text"] }, actions: ["mail"] },
    });
    const ports = new RecordingPorts();
    const outcome = await engine.handle(
      { event: "dm", target: "user:bob", payload: { text: "hi" }, id: "f1" },
      ports,
    );
    expect(outcome).toMatchObject({ ok: true, mail: [{ id: "mail-1", to: "bob" }] });
    expect(ports.calls).toEqual([
      { op: "sendMail", to: "bob", body: { text: "hi" }, ref: "f1/events.dm.actions[0] (mail)" },
    ]);
  });

  it("mail refuses a body that is not a mapping, and passes on a full mailbox", async () => {
    const { engine } = await engineFor({ dm: { target: "user", actions: ["mail"] } });
    const ports = new RecordingPorts();
    expect(
      await engine.handle({ event: "dm", target: "user:bob", payload: "text" }, ports),
    ).toMatchObject({
      ok: false,
      refusal: { code: "invalid_param" },
    });
    ports.refusals.set("sendMail", { ok: false, code: "mailbox_full", message: "full" });
    expect(
      await engine.handle({ event: "dm", target: "user:bob", payload: {} }, ports),
    ).toMatchObject({
      ok: false,
      refusal: { code: "mailbox_full" },
    });
  });

  it("broadcast sends to everyone through the port, which applies permissions.broadcast", async () => {
    const { engine } = await engineFor({
      announce: { target: "none", actions: [{ broadcast: { event: "news" } }] },
    });
    const ports = new RecordingPorts();
    await engine.handle({ event: "announce", payload: { text: "up" } }, ports);
    expect(ports.calls).toEqual([
      { op: "broadcast", notice: { event: "news", payload: { text: "up" } } },
    ]);
    ports.refusals.set("broadcast", {
      ok: false,
      code: "forbidden",
      message: "admins",
      reason: "permissions.broadcast",
    });
    expect(await engine.handle({ event: "announce" }, ports)).toMatchObject({
      refusal: { code: "forbidden", reason: "permissions.broadcast" },
    });
  });

  it("reply puts the event's answer in the receipt", async () => {
    const { engine } = await engineFor({
      whoami: {
        target: "none",
        actions: [{ reply: { payload: { id: "{$user.id}", roles: "{$user.roles}" } } }],
      },
    });
    const outcome = await engine.handle({ event: "whoami" }, new RecordingPorts());
    expect(outcome).toMatchObject({
      ok: true,
      reply: { event: "whoami", payload: { id: "alice", roles: ["member"] } },
    });
  });

  it("log writes a line with the event, the sender and the target, throttled per step", async () => {
    const { engine, logs } = await engineFor({
      chat: { target: "optional", actions: [{ log: { message: "{$user.id} said {.payload}" } }] },
    });
    const ports = new RecordingPorts();
    for (let i = 0; i < 30; i++) await engine.handle({ event: "chat", payload: { n: i } }, ports);
    const lines = logs.filter((line) => line.step === "events.chat.actions[0] (log)");
    expect(lines[0]).toMatchObject({
      msg: 'alice said {"n":0}',
      event: "chat",
      user: "alice",
      level: 30,
    });
    expect(lines).toHaveLength(20);
  });

  it("answers action_failed when the server throws, and logs it", async () => {
    const { engine, logs } = await engineFor({ enter: { actions: ["join"] } });
    const ports = new RecordingPorts();
    ports.failures.add("join");
    expect(await engine.handle({ event: "enter", target: "lobby" }, ports)).toMatchObject({
      ok: false,
      refusal: { code: "action_failed", reason: "events.enter.actions[0] (join)" },
    });
    expect(logs.some((line) => line.msg === "event step failed")).toBe(true);
  });
});
