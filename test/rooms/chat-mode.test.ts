import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TestClient } from "../support/test-client.js";
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
  async waitFor(line: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (Date.now() > deadline)
        throw new Error(`no line "${line}"; got ${JSON.stringify(this.lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
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
    expect(welcome.data).toMatchObject({ user: "john-2", requestedName: "john", anonymous: true });
    john.ws.send("hi there");
    const said = await native.next((f) => f.type === "message" && f.data?.room === "chat");
    expect(said.data).toMatchObject({ from: "john", body: { text: "hi there" } });
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
});
