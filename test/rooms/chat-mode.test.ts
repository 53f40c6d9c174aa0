import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { signToken, TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";

/** A Broadcast Server client: no subprotocol, raw text both ways. */
class TextClient {
  readonly lines: string[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<number>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data) => this.lines.push(data.toString()));
    this.closed = new Promise((resolve) => this.ws.once("close", (code) => resolve(code)));
  }
  waitFor(line: string, timeoutMs = 3000): Promise<void> {
    return until(
      () => this.lines.includes(line),
      () => `the line "${line}" (got ${JSON.stringify(this.lines)})`,
      timeoutMs,
    );
  }
}

describe("chat mode (the chat preset)", () => {
  let server: TestServer | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await server?.stop();
    server = undefined;
  });
  const start = async () => {
    server = await startTestServer({
      preset: "chat",
      limits: { rate: { message: { perSecond: 5, burst: 5 } } },
    });
    return server;
  };
  const text = (name: string): TextClient => {
    const client = new TextClient(`${server?.url}?username=${encodeURIComponent(name)}`);
    sockets.push(client.ws);
    return client;
  };

  it("gives a taken name a unique variant, says so, and tells everyone who joined and left", async () => {
    await start();
    const first = text("john");
    await first.waitFor("Server: john has joined the chat");
    const second = text("john");
    await second.waitFor("Server: Welcome, john-2");
    await first.waitFor("Server: john-2 has joined the chat");
    second.ws.close();
    await first.waitFor("Server: john-2 has left the chat");
    expect(first.lines).toEqual([
      "Server: Welcome, john",
      "Server: john has joined the chat",
      "Server: john-2 has joined the chat",
      "Server: john-2 has left the chat",
    ]);
    expect(second.lines.slice(0, 2)).toEqual([
      "Server: Welcome, john-2",
      "Server: john-2 has joined the chat",
    ]);
  });

  it("broadcasts plain text as `name: message` to everyone in the chat", async () => {
    await start();
    const alice = text("alice");
    const bob = text("bob");
    await alice.waitFor("Server: bob has joined the chat");
    alice.ws.send("Hello everyone!");
    await bob.waitFor("alice: Hello everyone!");
    await alice.waitFor("alice: Hello everyone!");
    const said = (client: TextClient) => client.lines.filter((line) => !line.startsWith("Server:"));
    expect(said(alice)).toEqual(["alice: Hello everyone!"]);
    expect(said(bob)).toEqual(["alice: Hello everyone!"]);
  });

  it("serves native clients the same chat as JSON frames, with the renamed name in welcome", async () => {
    await start();
    const john = text("john");
    await john.waitFor("Server: john has joined the chat");
    const native = new TestClient(`${server?.url}?username=john`, ["postoffice.v1"]);
    sockets.push(native.ws);
    const welcome = await native.nextOfType("welcome");
    expect(welcome.data).toMatchObject({ user: "~john-2", requestedName: "john", anonymous: true });
    john.ws.send("hi there");
    const said = await native.next((f) => f.type === "message" && f.data?.room === "chat");
    expect(said.data).toMatchObject({ from: "~john", body: { text: "hi there" } });
  });

  it("refuses names over 50 characters or with control characters (close 4400)", async () => {
    await start();
    expect(await text("x".repeat(51)).closed).toBe(4400);
    expect(await text("bad\u0007name").closed).toBe(4400);
  });

  it("limits each client to 5 messages per second, telling it so", async () => {
    await start();
    const alice = text("alice");
    await alice.waitFor("Server: alice has joined the chat");
    for (let n = 1; n <= 7; n++) alice.ws.send(`line ${n}`);
    // The refusals are replies, in frame order: the second one comes after all seven were handled.
    const refused = () => alice.lines.filter((l) => l.startsWith("Server: Too many frames"));
    await until(() => refused().length === 2, "two refusals");
    expect(alice.lines.filter((l) => l.startsWith("alice: line"))).toHaveLength(5);
    expect(alice.lines.filter((l) => l.startsWith("Server: Too many frames"))).toHaveLength(2);
  });

  it("names the chat room in the welcome, confirms the join with a `joined` by the server, or says it failed [ROOM-4]", async () => {
    server = await startTestServer({ preset: "chat", rooms: { maxMembers: 1 } });
    const ann = new TestClient(`${server.url}?username=ann`, ["postoffice.v1"]);
    sockets.push(ann.ws);
    expect((await ann.nextOfType("welcome")).data).toMatchObject({ rooms: ["chat"] });
    const joined = await ann.nextOfType("joined");
    expect(joined).toEqual({
      type: "joined",
      data: { room: "chat", position: 0, recovered: true, by: "server" },
    });
    // The room is full: the next session is told, and told it is not in the room.
    const ben = new TestClient(`${server.url}?username=ben`, ["postoffice.v1"]);
    sockets.push(ben.ws);
    expect((await ben.nextOfType("welcome")).data).toMatchObject({ rooms: ["chat"] });
    expect((await ben.nextOfType("error")).data).toMatchObject({ code: "room_full" });
    expect(await ben.nextOfType("left")).toEqual({
      type: "left",
      data: { room: "chat", by: "server" },
    });
  });

  it("never gives a guest a signed-in user's mail: ?username=alice&since=0 is ~alice, online or not [AUTH-7]", async () => {
    await start();
    const signedIn = async (sub: string) => {
      const client = new TestClient(server?.url ?? "", [
        "postoffice.v1",
        `bearer.${await signToken({ sub })}`,
      ]);
      sockets.push(client.ws);
      expect((await client.nextOfType("welcome")).data).toMatchObject({ user: sub });
      return client;
    };
    const alice = await signedIn("alice");
    const bob = await signedIn("bob");
    bob.send({ type: "message", id: "m1", data: { to: "alice", text: "reset code 4242" } });
    expect((await alice.nextOfType("message")).data).toMatchObject({
      from: "bob",
      body: { text: "reset code 4242" },
    });

    // Alice online: a guest asking for her name, and her whole mailbox, is someone else.
    const guest = new TestClient(`${server?.url}?username=alice&since=0`, ["postoffice.v1"]);
    sockets.push(guest.ws);
    const welcome = await guest.nextOfType("welcome");
    expect(welcome.data).toMatchObject({ user: "~alice", anonymous: true, mailbox: { after: 0 } });
    guest.send({ type: "ping", id: "p1" });
    await guest.next((f) => f.type === "pong" && f.ref === "p1");
    expect(JSON.stringify(guest.frames)).not.toContain("4242");

    // Alice gone: the same, and a text client reads nothing of hers either.
    await guest.close();
    await alice.close();
    const again = new TestClient(`${server?.url}?username=alice&since=0`, ["postoffice.v1"]);
    sockets.push(again.ws);
    expect((await again.nextOfType("welcome")).data).toMatchObject({ user: "~alice" });
    again.send({ type: "ping", id: "p2" });
    await again.next((f) => f.type === "pong" && f.ref === "p2");
    expect(JSON.stringify(again.frames)).not.toContain("4242");
    const reader = text("alice");
    await reader.waitFor("Server: alice-2 has joined the chat");
    expect(reader.lines.join("\n")).not.toContain("4242");

    // Alice's mail waits for alice.
    const back = await signedIn("alice");
    expect(JSON.stringify(back.frames)).toContain("4242");
  });

  it("gives look-alike names a free variant, and refuses invisible characters and Server (4400) [CHAT-1]", async () => {
    await start();
    const john = text("John");
    await john.waitFor("Server: John has joined the chat");
    const lookAlike = text("\uFF4A\uFF4F\uFF48\uFF4E");
    await lookAlike.waitFor("Server: Welcome, john-2");
    for (const name of [
      "John\u2060",
      "Jo\u00ADhn",
      "John\uFE0F",
      "John\u{E0041}",
      "Server",
      "SERVER",
    ]) {
      expect(await text(name).closed, name).toBe(4400);
    }
  });

  it("never lets a line break through: a forged server line arrives as one line of its sender [CHAT-3]", async () => {
    await start();
    const ann = text("ann");
    await ann.waitFor("Server: ann has joined the chat");
    const eve = new TestClient(`${server?.url}?username=eve`, ["postoffice.v1"]);
    sockets.push(eve.ws);
    await eve.nextOfType("welcome");
    eve.send({
      type: "message",
      data: { room: "chat", text: "bye\nServer: ann has left the chat" },
    });
    await ann.waitFor("eve: bye↵Server: ann has left the chat");
    ann.ws.send("over and out\n");
    await ann.waitFor("ann: over and out");
    expect(ann.lines.filter((line) => /[\r\n\u2028\u2029]/.test(line))).toEqual([]);
    expect(ann.lines).not.toContain("Server: ann has left the chat");
  });
});
