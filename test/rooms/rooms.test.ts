import { describe, expect, it } from "vitest";
import { type Frame, signToken, TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

describe("rooms, broadcast and presence", () => {
  const { start, connect, track } = useTestServer({ token: "query" });
  const join = async (
    client: TestClient,
    room: string,
    extra: Record<string, unknown> = {},
  ): Promise<Frame> => {
    const id = `join-${room}-${Math.random()}`;
    client.send({ type: "join", id, data: { room, ...extra } });
    return client.next((f) => f.ref === id);
  };
  const roomMessages = (client: TestClient, room: string): Frame[] =>
    client.frames.filter((f) => f.type === "message" && f.data?.room === room);

  it("delivers a room message to every member, with the room's sequence, and a receipt to the sender", async () => {
    await start();
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    expect(await join(alice, "lobby")).toMatchObject({
      type: "joined",
      data: { room: "lobby", position: 0, recovered: true },
    });
    await join(bob, "lobby");
    alice.send({ type: "message", id: "c2", data: { room: "lobby", text: "hi all" } });
    expect(await alice.next((f) => f.ref === "c2")).toMatchObject({
      type: "receipt",
      data: { status: "accepted", room: "lobby" },
    });
    await bob.nextOfType("message");
    for (const member of [alice, bob]) {
      expect(roomMessages(member, "lobby").map((f) => f.data)).toEqual([
        expect.objectContaining({ room: "lobby", seq: 1, from: "alice", body: { text: "hi all" } }),
      ]);
    }
    carol.send({ type: "ping", id: "sync" });
    await carol.nextOfType("pong");
    expect(roomMessages(carol, "lobby")).toEqual([]);
  });

  it("stops delivering after leave, and refuses sending to a room one is not in", async () => {
    await start();
    const alice = await connect("alice");
    const bob = await connect("bob");
    await join(alice, "lobby");
    await join(bob, "lobby");
    bob.send({ type: "leave", id: "l1", data: { room: "lobby" } });
    expect(await bob.next((f) => f.ref === "l1")).toMatchObject({
      type: "left",
      data: { room: "lobby" },
    });
    alice.send({ type: "message", id: "m", data: { room: "lobby", text: "anyone?" } });
    await alice.next((f) => f.ref === "m");
    bob.send({ type: "message", id: "nope", data: { room: "lobby", text: "me" } });
    expect((await bob.next((f) => f.ref === "nope")).data?.code).toBe("not_a_member");
    expect(roomMessages(bob, "lobby")).toEqual([]);
  });

  it("validates room names", async () => {
    await start();
    const alice = await connect("alice");
    for (const room of ["", "-starts-with-dash", "has space", "x".repeat(65), "emoji-🙂"]) {
      alice.send({ type: "join", id: "bad", data: { room } });
      expect(await alice.next((f) => f.ref === "bad" && f.type === "error")).toMatchObject({
        data: { code: "invalid_field", field: "data.room" },
      });
      alice.frames.length = 0;
    }
  });

  it("limits rooms per connection and members per room", async () => {
    await start({ rooms: { maxPerConnection: 2, maxMembers: 2 } });
    const alice = await connect("alice");
    await join(alice, "a");
    await join(alice, "b");
    expect((await join(alice, "c")).data?.code).toBe("room_limit");
    const bob = await connect("bob");
    const carol = await connect("carol");
    await join(bob, "a");
    expect((await join(carol, "a")).data?.code).toBe("room_full");
  });

  it("tells members when a user joins and leaves, counting a user with two devices once", async () => {
    await start();
    const alice = await connect("alice");
    await join(alice, "lobby");
    const bobPhone = await connect("bob");
    const bobLaptop = await connect("bob");
    await join(bobPhone, "lobby");
    await join(bobLaptop, "lobby");
    await alice.next(
      (f) => f.type === "presence" && f.data?.event === "join" && f.data?.user === "bob",
    );
    alice.send({ type: "who", id: "w", data: { room: "lobby" } });
    const who = await alice.next((f) => f.ref === "w");
    expect(who.type).toBe("presence");
    expect([...((who.data?.members as string[] | undefined) ?? [])].sort()).toEqual([
      "alice",
      "bob",
    ]);
    bobPhone.ws.close();
    await bobPhone.closed;
    alice.send({ type: "ping", id: "sync" });
    await alice.next((f) => f.ref === "sync");
    bobLaptop.send({ type: "leave", data: { room: "lobby" } });
    await alice.next(
      (f) => f.type === "presence" && f.data?.event === "leave" && f.data?.user === "bob",
    );
    const bobEvents = alice.frames
      .filter((f) => f.type === "presence" && f.data?.user === "bob")
      .map((f) => f.data?.event);
    expect(bobEvents).toEqual(["join", "leave"]);
  });

  it("keeps presence quiet in rooms configured without it", async () => {
    await start({
      rooms: { settings: [{ match: "quiet-*", presence: false }, { match: "*" }] },
    });
    const alice = await connect("alice");
    const bob = await connect("bob");
    await join(alice, "quiet-1");
    await join(bob, "quiet-1");
    await join(alice, "loud");
    await join(bob, "loud");
    await alice.next(
      (f) => f.type === "presence" && f.data?.room === "loud" && f.data?.user === "bob",
    );
    expect(
      alice.frames.filter(
        (f) => f.type === "presence" && f.data?.room === "quiet-1" && f.data?.user === "bob",
      ),
    ).toEqual([]);
  });

  it("stops announcing joins and leaves in a room that holds rooms.presenceMaxMembers connections, while who stays exact", async () => {
    await start({ rooms: { presenceMaxMembers: 2 } });
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    await join(alice, "big");
    await join(bob, "big");
    await alice.next(
      (f) => f.type === "presence" && f.data?.event === "join" && f.data?.user === "bob",
    );
    await join(carol, "big"); // the room holds 2: carol's arrival is news to no one
    carol.send({ type: "leave", id: "out", data: { room: "big" } });
    await carol.next((f) => f.ref === "out"); // it holds 2 again: her leaving neither
    await join(carol, "big");
    alice.send({ type: "who", id: "w", data: { room: "big" } });
    const who = await alice.next((f) => f.ref === "w");
    expect([...((who.data?.members as string[] | undefined) ?? [])].sort()).toEqual([
      "alice",
      "bob",
      "carol",
    ]);
    bob.send({ type: "leave", data: { room: "big" } }); // leaves 2 behind: not announced
    carol.send({ type: "leave", data: { room: "big" } }); // leaves 1 behind: announced
    await alice.next(
      (f) => f.type === "presence" && f.data?.event === "leave" && f.data?.user === "carol",
    );
    const events = [alice, bob, carol].flatMap((client) =>
      client.frames
        .filter((f) => f.type === "presence" && f.ref === undefined)
        .map((f) => `${f.data?.user} ${f.data?.event}`),
    );
    expect(events.sort()).toEqual(["alice join", "bob join", "bob join", "carol leave"]);
  });

  it("gives a rejoining member what it missed since its last sequence, or says the gap is too old", async () => {
    await start({
      rooms: { settings: [{ match: "kept-*", history: 3 }, { match: "*" }] },
    });
    const alice = await connect("alice");
    await join(alice, "kept-1");
    await join(alice, "plain");
    for (let n = 1; n <= 5; n++) {
      alice.send({ type: "message", id: `k${n}`, data: { room: "kept-1", n } });
      alice.send({ type: "message", id: `p${n}`, data: { room: "plain", n } });
    }
    await alice.next((f) => f.ref === "p5");

    const bob = await connect("bob");
    const recent = await join(bob, "kept-1", { since: 3 });
    expect(recent.data).toMatchObject({ room: "kept-1", position: 5, recovered: true });
    expect(roomMessages(bob, "kept-1").map((f) => f.data?.seq)).toEqual([4, 5]);

    const carol = await connect("carol");
    const old = await join(carol, "kept-1", { since: 1 });
    expect(old.data).toMatchObject({ position: 5, recovered: false });
    expect(roomMessages(carol, "kept-1").map((f) => f.data?.seq)).toEqual([3, 4, 5]);

    const dave = await connect("dave");
    expect((await join(dave, "plain", { since: 2 })).data).toMatchObject({
      position: 5,
      recovered: false,
    });
    expect((await join(dave, "kept-1", { since: 5 })).data).toMatchObject({ recovered: true });
  });

  it("broadcasts to everyone connected for permitted roles, and refuses others with forbidden naming the rule", async () => {
    await start();
    const admin = await connect("ann", ["admin"]);
    const bob = await connect("bob");
    admin.send({ type: "broadcast", id: "b1", data: { text: "maintenance at noon" } });
    expect(await admin.next((f) => f.ref === "b1")).toMatchObject({
      type: "receipt",
      data: { status: "accepted" },
    });
    expect((await bob.nextOfType("broadcast")).data).toMatchObject({
      from: "ann",
      body: { text: "maintenance at noon" },
    });
    bob.send({ type: "broadcast", id: "b2", data: { text: "me too" } });
    const refused = await bob.next((f) => f.ref === "b2");
    expect(refused.data).toMatchObject({ code: "forbidden", reason: "permissions.broadcast" });
    expect(String(refused.data?.message)).toContain("permissions.broadcast");
  });

  it("applies room and direct-mail permissions by role", async () => {
    const server = await start({
      permissions: {
        rooms: [
          { match: "staff-*", join: ["admin"], send: ["admin"], history: ["admin"] },
          { match: "*", join: ["*"], send: ["*"], history: ["*"] },
        ],
        direct: [
          { from: ["admin"], to: ["*"] },
          { from: ["tenant"], to: ["claim:landlord", "role:admin"] },
        ],
      },
    });
    const ann = await connect("ann", ["admin"]);
    const tina = new TestClient(
      `${server.url}?token=${await signToken({ sub: "tina", roles: ["tenant"], landlord: "larry" })}`,
    );
    track(tina);
    await tina.nextOfType("welcome");
    const refusedJoin = await join(tina, "staff-room");
    expect(refusedJoin.data).toMatchObject({ code: "forbidden", reason: "permissions.rooms[0]" });
    expect((await join(ann, "staff-room")).type).toBe("joined");
    tina.send({ type: "message", id: "to-larry", data: { to: "larry", text: "the sink leaks" } });
    expect((await tina.next((f) => f.ref === "to-larry")).type).toBe("receipt");
    tina.send({ type: "message", id: "to-ann", data: { to: "ann", text: "help" } });
    expect((await tina.next((f) => f.ref === "to-ann")).type).toBe("receipt");
    tina.send({ type: "message", id: "to-tom", data: { to: "tom", text: "hi neighbour" } });
    const refused = await tina.next((f) => f.ref === "to-tom");
    expect(refused.data).toMatchObject({ code: "forbidden", reason: "permissions.direct" });
  });

  it("takes an anonymous session out of its rooms under the old name when it signs in", async () => {
    const server = await start({ auth: { anonymous: { enabled: true } } });
    const alice = await connect("alice");
    await join(alice, "lobby");
    const guest = new TestClient(`${server.url}?username=guest-1`);
    track(guest);
    await guest.nextOfType("welcome");
    await join(guest, "lobby");
    guest.send({ type: "auth", data: { token: await signToken({ sub: "bob" }) } });
    await guest.nextOfType("welcome");
    await alice.next(
      (f) => f.type === "presence" && f.data?.event === "leave" && f.data?.user === "~guest-1",
    );
    alice.send({ type: "who", id: "w", data: { room: "lobby" } });
    expect((await alice.next((f) => f.ref === "w")).data?.members).toEqual(["alice"]);
  });
});
