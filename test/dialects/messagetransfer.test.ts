import { afterEach, describe, expect, it } from "vitest";
import { httpGet, refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { JWT_SECRET, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * MessageTransfer's clients, as its README and its code send frames: `/ws?client_id=ID`, then
 * `{"type","data"}` JSON. Its replies are compared byte for byte: Go's json.Encoder sorts map
 * keys and ends each value with a newline.
 */
describe("the messagetransfer dialect", () => {
  let server: TestServer | undefined;
  const clients: Array<SeedClient | TestClient> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  /** The seed's set-up on /ws (README token for any id), and native clients on /native. */
  async function start(): Promise<TestServer> {
    server = await startTestServer({
      server: { dialect: "messagetransfer" },
      auth: { tokens: [{ token: "valid-token", user: "*" }], jwt: { secret: JWT_SECRET } },
      endpoints: [{ path: "/native", dialect: "native", auth: { jwt: { secret: JWT_SECRET } } }],
    });
    return server;
  }

  async function seedClient(id: string): Promise<SeedClient> {
    const client = new SeedClient(`${server?.url}?client_id=${encodeURIComponent(id)}`);
    clients.push(client);
    await client.opened;
    return client;
  }

  /** A client of the seed's README: auth with valid-token, then wait for success. */
  async function signedIn(id: string): Promise<SeedClient> {
    const client = await seedClient(id);
    client.send({ type: "auth", data: { token: "valid-token" } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
    return client;
  }

  async function nativeClient(user: string): Promise<TestClient> {
    const client = await connectAs(
      `ws://127.0.0.1:${server?.node.port}/native`,
      await signToken({ sub: user }),
    );
    clients.push(client);
    return client;
  }

  it("refuses an upgrade without client_id with HTTP 400 `client_id is required`, as the seed", async () => {
    await start();
    for (const url of [server?.url ?? "", `${server?.url}?client_id=`]) {
      expect(await refusedUpgrade(url)).toEqual({
        status: 400,
        contentType: "text/plain; charset=utf-8",
        body: "client_id is required\n",
      });
    }
  });

  it("answers ping before auth with the unix time in seconds", async () => {
    await start();
    const client = await seedClient("user1");
    const before = Math.floor(Date.now() / 1000);
    client.send({ type: "ping" });
    const pong = await client.next();
    expect(pong).toMatch(/^\{"data":\{"timestamp":\d+\},"type":"pong"\}\n$/);
    const timestamp = (JSON.parse(pong) as { data: { timestamp: number } }).data.timestamp;
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("refuses everything but ping and auth before auth, and keeps the connection", async () => {
    await start();
    const client = await seedClient("user1");
    client.send({ type: "message", data: { to: "user2", text: "Hello" } });
    expect(await client.next()).toBe('{"data":"unauthorized","type":"error"}\n');
    client.send({ type: "whatever" });
    expect(await client.next()).toBe('{"data":"unauthorized","type":"error"}\n');
    client.send({ type: "message", data: "not an object" });
    expect(await client.next()).toBe('{"data":"unauthorized","type":"error"}\n');
    client.send({ type: "auth", data: { token: "valid-token" } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
  });

  it("answers a refused token with failed and unreadable auth data with invalid, then lets the client try again", async () => {
    await start();
    const client = await seedClient("user1");
    client.send({ type: "auth", data: { token: "wrong-token" } });
    expect(await client.next()).toBe('{"data":"failed","type":"auth"}\n');
    client.send({ type: "auth", data: "valid-token" });
    expect(await client.next()).toBe('{"data":"invalid","type":"auth"}\n');
    client.send({ type: "auth" });
    expect(await client.next()).toBe('{"data":"invalid","type":"auth"}\n');
    client.send({ type: "auth", data: {} });
    expect(await client.next()).toBe('{"data":"failed","type":"auth"}\n');
    client.send({ type: "auth", data: { token: "valid-token" } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
  });

  it("reads frames as Go does: keys in any case", async () => {
    await start();
    const client = await seedClient("user1");
    client.send({ TYPE: "auth", Data: { Token: "valid-token" } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
  });

  it("delivers a message as {from, text} and sends nothing back to the sender", async () => {
    await start();
    const user1 = await signedIn("user1");
    const user2 = await signedIn("user2");
    user1.send({ type: "message", data: { to: "user2", text: "Hello" } });
    expect(await user2.next()).toBe('{"data":{"from":"user1","text":"Hello"},"type":"message"}\n');
    // The sender's next frame is the answer to its next frame: nothing came in between.
    user1.send({ type: "ping" });
    expect(await user1.next()).toMatch(/"type":"pong"/);
  });

  it("escapes <, > and & as Go's encoder does, and the text arrives intact", async () => {
    await start();
    const user1 = await signedIn("user1");
    const user2 = await signedIn("user2");
    user1.send({ type: "message", data: { to: "user2", text: `<b>"Tom" & 'Jerry'</b>` } });
    const text = await user2.next();
    expect(text).toBe(
      '{"data":{"from":"user1","text":"\\u003cb\\u003e\\"Tom\\" \\u0026 \'Jerry\'\\u003c/b\\u003e"},"type":"message"}\n',
    );
    expect(JSON.parse(text)).toEqual({
      type: "message",
      data: { from: "user1", text: `<b>"Tom" & 'Jerry'</b>` },
    });
  });

  it("answers a message whose data is not an object, or names no recipient, with bad payload", async () => {
    await start();
    const client = await signedIn("user1");
    for (const data of ["Hello", 42, [1], null, { to: 7, text: "x" }, { text: "to nobody" }]) {
      client.send({ type: "message", data });
      expect(await client.next()).toBe('{"data":"bad payload","type":"error"}\n');
    }
    client.send("not json");
    expect(await client.next()).toBe('{"data":"bad payload","type":"error"}\n');
  });

  it("handles a message sent right behind auth as the authenticated client, as the README's example does", async () => {
    await start();
    const user2 = await signedIn("user2");
    const user1 = await seedClient("user1");
    user1.send({ type: "auth", data: { token: "valid-token" } });
    user1.send({ type: "message", data: { to: "user2", text: "Hello from browser" } });
    expect(await user1.next()).toBe('{"data":"success","type":"auth"}\n');
    expect(await user2.next()).toBe(
      '{"data":{"from":"user1","text":"Hello from browser"},"type":"message"}\n',
    );
  });

  it("keeps mail for a client that is offline and delivers it right after its auth success, in order", async () => {
    await start();
    const user1 = await signedIn("user1");
    for (const text of ["one", "two", "three"]) {
      user1.send({ type: "message", data: { to: "user2", text } });
    }
    // Connected but not authenticated yet counts as offline too.
    const user2 = await seedClient("user2");
    user1.send({ type: "message", data: { to: "user2", text: "four" } });
    user1.send({ type: "ping" });
    await user1.next();
    user2.send({ type: "auth", data: { token: "valid-token" } });
    expect(await user2.next()).toBe('{"data":"success","type":"auth"}\n');
    for (const text of ["one", "two", "three", "four"]) {
      expect(await user2.next()).toBe(
        `{"data":{"from":"user1","text":"${text}"},"type":"message"}\n`,
      );
    }
  });

  it("counts mail written to a client as delivered: it is not given again on the next connection", async () => {
    await start();
    const user1 = await signedIn("user1");
    const first = await signedIn("user2");
    user1.send({ type: "message", data: { to: "user2", text: "once" } });
    expect(await first.next()).toMatch(/"text":"once"/);
    first.ws.close();
    await first.closed;
    user1.send({ type: "message", data: { to: "user2", text: "twice" } });
    const again = await signedIn("user2");
    expect(await again.next()).toMatch(/"text":"twice"/);
    again.send({ type: "ping" });
    expect(await again.next()).toMatch(/"type":"pong"/);
  });

  it("lets a native client and a MessageTransfer client mail each other, with the native receipts", async () => {
    await start();
    const alice = await nativeClient("alice");
    const user2 = await signedIn("user2");
    alice.send({ type: "message", id: "m1", data: { to: "user2", text: "hi from native" } });
    expect(await user2.next()).toBe(
      '{"data":{"from":"alice","text":"hi from native"},"type":"message"}\n',
    );
    await alice.next((f) => f.type === "receipt" && f.data?.status === "accepted");
    // The MessageTransfer client never acks: written to it, the mail counts as delivered.
    await alice.next((f) => f.type === "receipt" && f.data?.status === "delivered");
    user2.send({ type: "message", data: { to: "alice", text: "hi from the seed" } });
    const mail = await alice.nextOfType("message");
    expect(mail.data).toMatchObject({
      from: "user2",
      to: "alice",
      body: { text: "hi from the seed" },
    });
  });

  it("gives a native body without text as JSON text", async () => {
    await start();
    const alice = await nativeClient("alice");
    const user2 = await signedIn("user2");
    alice.send({ type: "message", data: { to: "user2", kind: "invoice", n: 3 } });
    expect(await user2.next()).toBe(
      `{"data":{"from":"alice","text":${JSON.stringify(JSON.stringify({ kind: "invoice", n: 3 }))}},"type":"message"}\n`,
    );
  });

  it("takes a JWT only when its sub is the client_id", async () => {
    await start();
    const client = await seedClient("user1");
    client.send({ type: "auth", data: { token: await signToken({ sub: "someone-else" }) } });
    expect(await client.next()).toBe('{"data":"failed","type":"auth"}\n');
    client.send({ type: "auth", data: { token: await signToken({ sub: "user1" }) } });
    expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
  });

  it("answers GET /health, as the seed's README promised", async () => {
    await start();
    const health = await httpGet(`${server?.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok" });
  });
});
