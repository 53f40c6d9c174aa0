import { describe, expect, it } from "vitest";
import { TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

describe("hostile and odd input", () => {
  const { start, connect, track } = useTestServer();

  it("refuses a deeply nested frame with nesting_too_deep and stays up, even before authentication", async () => {
    const server = await start();
    const stranger = new TestClient(server.url);
    track(stranger);
    await stranger.opened;
    const deep = `${"[".repeat(6000)}${"]".repeat(6000)}`;
    stranger.send(`{"type":"ping","id":"deep","x":${deep},"y":"from"}`);
    expect(await stranger.nextOfType("error")).toMatchObject({
      ref: "deep",
      data: { code: "nesting_too_deep" },
    });
    const alice = await connect("alice");
    alice.send({
      type: "message",
      id: "deep-mail",
      data: { to: "bob", x: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) },
    });
    expect(await alice.nextOfType("error")).toMatchObject({
      ref: "deep-mail",
      data: { code: "nesting_too_deep" },
    });
    alice.send({ type: "ping", id: "alive" });
    expect((await alice.nextOfType("pong")).ref).toBe("alive");
  });

  it("answers frames in the order they were sent, whatever each one waits for", async () => {
    await start();
    const alice = await connect("alice");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "first" } });
    alice.send({ type: "ping", id: "p1" });
    alice.send({ type: "bogus", id: "b1" });
    alice.send({ type: "message", id: "m2", data: { to: "bob", text: "second" } });
    alice.send({ type: "ack", id: "a1", data: { seq: "x" } });
    await alice.next((f) => f.ref === "a1");
    expect(alice.frames.slice(1).map((f) => f.ref)).toEqual(["m1", "p1", "b1", "m2", "a1"]);
  });

  it("delivers the sender's data untouched, even a __proto__ key", async () => {
    await start();
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send('{"type":"message","data":{"to":"bob","__proto__":{"x":1},"text":"hi"}}');
    const mail = await bob.nextOfType("message");
    expect(JSON.stringify(mail.data?.body)).toBe('{"__proto__":{"x":1},"text":"hi"}');
  });

  it("closes a client that stops reading with 1013, keeps the others served, and redelivers its mail later", async () => {
    const server = await start({
      // 24 MB to bob: past a sender's default quota (limits.sender.maxBytes), lifted here.
      limits: { maxFrameBytes: 16384, outboundBufferBytes: 65536, sender: { maxBytes: 0 } },
      mailbox: { maxMessages: 100000 },
    });
    const alice = await connect("alice");
    const carol = await connect("carol");
    const stalled = await connect("bob");
    // Stop reading: the kernel buffers fill, then the server's buffer for bob grows.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = "x".repeat(16_000);
    const total = 1500;
    for (let n = 1; n <= total; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n, text } });
    await alice.next((f) => f.ref === `c${total}`, 20_000);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^postoffice_slow_readers_total 1$/m);
    alice.send({ type: "message", id: "to-carol", data: { to: "carol", text: "still here?" } });
    expect((await carol.nextOfType("message")).data?.body).toEqual({ text: "still here?" });
    stalled.ws.terminate();

    const back = await connect("bob");
    await back.next((f) => f.type === "message" && f.data?.seq === total, 20_000);
    const seqs = back.frames.filter((f) => f.type === "message").map((f) => f.data?.seq);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 60_000);
});
