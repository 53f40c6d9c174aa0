import { describe, expect, it } from "vitest";
import { type Frame, signToken, TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

/**
 * Acks and read marks sent in a burst are coalesced into one store write per run of one kind
 * (handlers/ack-handler.ts); the senders' receipts must be exactly those of the marks one by one.
 */
describe.each(["memory", "sqlite"] as const)("acks sent in a burst (%s store)", (store) => {
  const ts = useTestServer();
  const { start, track } = ts;
  const connect = async (user: string): Promise<TestClient> => {
    const token = await signToken({ sub: user });
    const client = track(new TestClient(ts.server.url));
    await client.opened;
    client.send({ type: "auth", data: { token } });
    await client.nextOfType("welcome");
    return client;
  };
  const receipts = (client: TestClient): Array<[unknown, unknown]> =>
    client.frames
      .filter((f: Frame) => f.type === "receipt" && f.data?.status !== "accepted")
      .map((f) => [f.ref, f.data?.status]);

  it("gives the sender each delivered and read receipt once, in the order of the marks", async () => {
    await start({ mailbox: { store } });
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (let n = 1; n <= 6; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });
    await bob.next((f) => f.type === "message" && f.data?.seq === 6);
    // One burst: acks out of order, then a read mark, then more acks, then a ping.
    for (const seq of [2, 1, 3]) bob.send({ type: "ack", data: { seq } });
    bob.send({ type: "read", data: { seq: 2 } });
    for (const seq of [5, 4]) bob.send({ type: "ack", data: { seq } });
    bob.send({ type: "ping", id: "after" });
    await bob.next((f) => f.type === "pong" && f.ref === "after");
    await alice.next(
      (f) => f.type === "receipt" && f.ref === "c5" && f.data?.status === "delivered",
    );
    expect(receipts(alice)).toEqual([
      ["c1", "delivered"],
      ["c2", "delivered"],
      ["c3", "delivered"],
      ["c1", "read"],
      ["c2", "read"],
      ["c4", "delivered"],
      ["c5", "delivered"],
    ]);
    // Mail sent right behind an ack is handled after it: the ack's receipt precedes it.
    bob.send({ type: "ack", data: { seq: 6 } });
    bob.send({ type: "message", id: "b1", data: { to: "alice", n: 1 } });
    const mail = await alice.next((f) => f.type === "message");
    const seqOf = (f: Frame | undefined): unknown => f?.data?.seq;
    const delivered6 = alice.frames.find((f) => f.ref === "c6" && f.data?.status === "delivered");
    expect(delivered6).toBeDefined();
    expect(seqOf(delivered6)).toBeLessThan(seqOf(mail) as number);
    expect(bob.frames.filter((f) => f.type === "error")).toEqual([]);
  });
});
