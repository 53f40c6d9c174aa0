import { beforeEach, describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";

describe("point-to-point mail", () => {
  const { start, connect } = useTestServer();
  beforeEach(async () => {
    await start();
  });

  it("delivers the seed's message frame to the recipient with the sender stamped from the identity", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send({ type: "message", id: "c1", data: { to: "bob", text: "Hello" } });

    const receipt = await alice.nextOfType("receipt");
    expect(receipt.ref).toBe("c1");
    expect(receipt.data).toMatchObject({ status: "accepted", to: "bob" });
    expect(receipt.data?.seq).toBeUndefined();

    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({ from: "alice", to: "bob", seq: 1, body: { text: "Hello" } });
    expect(mail.data?.id).toBe(receipt.data?.id);
    expect(typeof mail.data?.ts).toBe("number");
  });

  it("lets both users write to each other", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send({ type: "message", data: { to: "bob", text: "ping?" } });
    expect((await bob.nextOfType("message")).data?.body).toEqual({ text: "ping?" });
    bob.send({ type: "message", data: { to: "alice", text: "pong!" } });
    const reply = await alice.nextOfType("message");
    expect(reply.data).toMatchObject({ from: "bob", body: { text: "pong!" } });
  });

  it("delivers to every device of a user connected twice", async () => {
    const alice = await connect("alice");
    const bobPhone = await connect("bob");
    const bobLaptop = await connect("bob");
    alice.send({ type: "message", id: "m", data: { to: "bob", text: "both of you" } });
    const [onPhone, onLaptop] = await Promise.all([
      bobPhone.nextOfType("message"),
      bobLaptop.nextOfType("message"),
    ]);
    expect(onPhone.data?.id).toBe(onLaptop.data?.id);
    expect(onPhone.data?.body).toEqual({ text: "both of you" });
  });

  it("keeps the order of mail from one sender", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (let i = 0; i < 50; i++) alice.send({ type: "message", data: { to: "bob", n: i } });
    const seen: unknown[] = [];
    for (let i = 0; i < 50; i++) seen.push((await bob.nextOfType("message")).data?.body);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, n) => ({ n })));
  });

  it("refuses a frame that claims a sender at the top of the frame or of its data", async () => {
    const mallory = await connect("mallory");
    const bob = await connect("bob");
    for (const [id, data] of [
      ["f1", { to: "bob", from: "alice", text: "hi" }],
      ["f2", { to: "bob", sender_id: "alice", text: "hi" }],
    ] as const) {
      mallory.send({ type: "message", id, data });
      const error = await mallory.nextOfType("error");
      expect(error.ref).toBe(id);
      expect(error.data?.code).toBe("forged_sender");
    }
    mallory.send({ type: "message", from: "alice", id: "f4", data: { to: "bob" } });
    expect((await mallory.nextOfType("error")).data?.code).toBe("forged_sender");
    mallory.send({ type: "message", id: "ok", data: { to: "bob", text: "honest" } });
    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({ from: "mallory", body: { text: "honest" } });
    expect(bob.frames.filter((f) => f.type === "message")).toHaveLength(1);
  });

  it("delivers a sender named deeper in the data as the user's own content, stamped by the server", async () => {
    const ann = await connect("ann");
    const bob = await connect("bob");
    const data = { to: "bob", quote: { from: "mallory", text: "…" }, meta: { senderId: "x" } };
    ann.send({ type: "message", id: "q1", data });
    expect((await ann.nextOfType("receipt")).ref).toBe("q1");
    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({
      from: "ann",
      body: { quote: { from: "mallory", text: "…" }, meta: { senderId: "x" } },
    });
  });

  it("answers ping with pong carrying the ref", async () => {
    const alice = await connect("alice");
    alice.send({ type: "ping", id: "p1" });
    const pong = await alice.nextOfType("pong");
    expect(pong.ref).toBe("p1");
    expect(typeof pong.data?.ts).toBe("number");
  });
});
