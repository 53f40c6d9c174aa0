import { afterEach, describe, expect, it } from "vitest";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("mail to a user who is offline", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  const connect = async (user: string): Promise<TestClient> => {
    if (!server) throw new Error("no server");
    const client = await connectAs(server.url, await signToken({ sub: user }));
    clients.push(client);
    return client;
  };
  const bodies = (client: TestClient): unknown[] =>
    client.frames.filter((f) => f.type === "message").map((f) => f.data?.body);
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  it("keeps it in the mailbox and delivers it, in order, when the user connects", async () => {
    server = await startTestServer();
    const alice = await connect("alice");
    for (let n = 1; n <= 3; n++) {
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });
      expect((await alice.nextOfType("receipt")).data).toMatchObject({
        status: "accepted",
        seq: n,
      });
    }
    const bob = await connect("bob");
    const seqs = [];
    for (let n = 1; n <= 3; n++) seqs.push((await bob.nextOfType("message")).data?.seq);
    expect(seqs).toEqual([1, 2, 3]);
    expect(bodies(bob)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("delivers unacknowledged mail again on the next connection, and acknowledged mail never again", async () => {
    server = await startTestServer();
    const alice = await connect("alice");
    for (let n = 1; n <= 3; n++) alice.send({ type: "message", data: { to: "bob", n } });
    for (let n = 1; n <= 3; n++) await alice.nextOfType("receipt");

    const first = await connect("bob");
    for (let n = 1; n <= 3; n++) await first.nextOfType("message");
    first.send({ type: "ack", data: { seq: 2 } });
    first.send({ type: "ping", id: "sync" });
    await first.nextOfType("pong");
    await first.close();

    const second = await connect("bob");
    const again = await second.nextOfType("message");
    expect(again.data).toMatchObject({ seq: 3, body: { n: 3 } });
    expect(again.data?.id).toBe(first.frames.filter((f) => f.type === "message")[2]?.data?.id);
    second.send({ type: "ack", data: { seq: 3 } });
    second.send({ type: "ping", id: "sync" });
    await second.nextOfType("pong");
    await second.close();

    const third = await connect("bob");
    third.send({ type: "ping", id: "sync" });
    await third.nextOfType("pong");
    expect(bodies(third)).toEqual([]);
  });

  it("switches from the stored mail to live mail without a gap or a duplicate", async () => {
    server = await startTestServer();
    const alice = await connect("alice");
    for (let n = 1; n <= 300; n++) alice.send({ type: "message", data: { to: "bob", n } });
    await alice.next((f) => f.type === "receipt" && f.data?.seq === 300, 10_000);
    const bobPromise = connect("bob");
    for (let n = 301; n <= 600; n++) alice.send({ type: "message", data: { to: "bob", n } });
    const bob = await bobPromise;
    await bob.next((f) => f.type === "message" && f.data?.seq === 600, 10_000);
    expect(bodies(bob)).toEqual(Array.from({ length: 600 }, (_, i) => ({ n: i + 1 })));
  });

  it("refuses mail to a full mailbox with mailbox_full and keeps what it holds", async () => {
    server = await startTestServer({ mailbox: { maxMessages: 2 } });
    const alice = await connect("alice");
    for (const id of ["a", "b", "c"]) alice.send({ type: "message", id, data: { to: "bob", id } });
    expect((await alice.nextOfType("receipt")).ref).toBe("a");
    expect((await alice.nextOfType("receipt")).ref).toBe("b");
    expect(await alice.nextOfType("error")).toMatchObject({
      ref: "c",
      data: { code: "mailbox_full" },
    });
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    expect(bodies(bob)).toEqual([{ id: "a" }, { id: "b" }]);
  });
});
