import { afterEach, describe, expect, it, vi } from "vitest";
import { signToken, TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

describe("authentication at the counter", () => {
  const { start, track } = useTestServer();
  const open = (
    url: string,
    protocols?: string | string[],
    headers?: Record<string, string>,
  ): TestClient => track(new TestClient(url, protocols, headers ? { headers } : undefined));

  it("accepts a token in the first auth frame and answers with welcome", async () => {
    const server = await start();
    const client = open(server.url);
    await client.opened;
    client.send({
      type: "auth",
      id: "a1",
      data: { token: await signToken({ sub: "alice", roles: ["admin"] }) },
    });
    const welcome = await client.nextOfType("welcome");
    expect(welcome.ref).toBe("a1");
    expect(welcome.data).toMatchObject({
      protocol: "postoffice.v1",
      user: "alice",
      roles: ["admin"],
      anonymous: false,
    });
  });

  it("accepts a token in the query string", async () => {
    const server = await start();
    const client = open(`${server.url}?token=${await signToken({ sub: "alice" })}`);
    expect((await client.nextOfType("welcome")).data?.user).toBe("alice");
  });

  it("accepts a token in the Authorization header", async () => {
    const server = await start();
    const client = open(server.url, undefined, {
      Authorization: `Bearer ${await signToken({ sub: "alice" })}`,
    });
    expect((await client.nextOfType("welcome")).data?.user).toBe("alice");
  });

  it("accepts a token in the session-token cookie", async () => {
    const server = await start();
    const client = open(server.url, undefined, {
      Cookie: `theme=dark; session-token=${await signToken({ sub: "alice" })}`,
    });
    expect((await client.nextOfType("welcome")).data?.user).toBe("alice");
  });

  it("accepts a token offered as a subprotocol and selects postoffice.v1 without echoing the token", async () => {
    const server = await start();
    const token = await signToken({ sub: "alice" });
    const client = open(server.url, ["postoffice.v1", `bearer.${token}`]);
    await client.opened;
    expect(client.ws.protocol).toBe("postoffice.v1");
    expect((await client.nextOfType("welcome")).data?.user).toBe("alice");
  });

  it("accepts a static token from the configuration", async () => {
    const server = await start();
    const client = open(`${server.url}?token=bob-static-token`);
    expect((await client.nextOfType("welcome")).data).toMatchObject({ user: "bob", roles: [] });
  });

  const refusals: Array<[string, () => Promise<string>, string]> = [
    [
      "a bad signature",
      () => signToken({ sub: "alice" }, { secret: "another-secret-of-sufficient-length" }),
      "token_signature_invalid",
    ],
    [
      "an expired token",
      () => signToken({ sub: "alice", exp: Math.floor(Date.now() / 1000) - 3600 }),
      "token_expired",
    ],
    [
      "a token that is not valid yet",
      () => signToken({ sub: "alice", nbf: Math.floor(Date.now() / 1000) + 3600 }),
      "token_not_yet_valid",
    ],
    [
      "alg none",
      async () => `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice" })}.`,
      "token_algorithm_forbidden",
    ],
    ["an unknown token", async () => "not-a-known-token", "token_unknown"],
    ["a token without a subject", () => signToken({ name: "nobody" }), "token_user_missing"],
  ];
  for (const [what, makeToken, reason] of refusals) {
    it(`refuses ${what} with an error frame and close 4401 (${reason})`, async () => {
      const server = await start();
      const client = open(server.url);
      await client.opened;
      client.send({ type: "auth", id: "a1", data: { token: await makeToken() } });
      const error = await client.nextOfType("error");
      expect(error).toMatchObject({ ref: "a1", data: { code: "unauthorized", reason } });
      expect(await client.closed).toEqual({ code: 4401, reason });
    });
  }

  it("refuses a token for the wrong audience with token_claim_invalid", async () => {
    const server = await start({ auth: { jwt: { audience: "postoffice" } } });
    const client = open(
      `${server.url}?token=${await signToken({ sub: "alice", aud: "elsewhere" })}`,
    );
    expect((await client.nextOfType("error")).data).toMatchObject({
      code: "unauthorized",
      reason: "token_claim_invalid",
    });
    expect((await client.closed).code).toBe(4401);
  });

  it("refuses a bad handshake token over the WebSocket so that browsers can read why", async () => {
    const server = await start();
    const client = open(`${server.url}?token=${await signToken({ sub: "a", exp: 1 })}`);
    await client.opened;
    expect((await client.nextOfType("error")).data?.reason).toBe("token_expired");
    expect(await client.closed).toEqual({ code: 4401, reason: "token_expired" });
  });

  it("answers frames sent before authentication with unauthorized, and keeps the connection", async () => {
    const server = await start();
    const client = open(server.url);
    await client.opened;
    client.send({ type: "message", id: "early", data: { to: "bob", text: "hi" } });
    expect(await client.nextOfType("error")).toMatchObject({
      ref: "early",
      data: { code: "unauthorized" },
    });
    client.send({ type: "auth", data: { token: await signToken({ sub: "alice" }) } });
    expect((await client.nextOfType("welcome")).data?.user).toBe("alice");
  });

  it("handles mail sent right behind the auth frame as the authenticated user", async () => {
    const server = await start();
    const bob = open(`${server.url}?token=bob-static-token`);
    await bob.nextOfType("welcome");
    const alice = open(server.url);
    await alice.opened;
    alice.send({ type: "auth", data: { token: await signToken({ sub: "alice" }) } });
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "right away" } });
    expect((await alice.nextOfType("receipt")).ref).toBe("m1");
    expect((await bob.nextOfType("message")).data).toMatchObject({ from: "alice" });
  });

  it("refuses to change user on an authenticated session", async () => {
    const server = await start();
    const client = open(`${server.url}?token=alice-static-token`);
    await client.nextOfType("welcome");
    client.send({ type: "auth", id: "again", data: { token: "bob-static-token" } });
    expect(await client.nextOfType("error")).toMatchObject({
      ref: "again",
      data: { code: "already_authenticated" },
    });
  });

  it("closes a connection that does not authenticate in time with 4408", async () => {
    const server = await start({ auth: { timeoutMs: 200 } });
    const client = open(server.url);
    expect((await client.nextOfType("error")).data).toMatchObject({
      code: "unauthorized",
      reason: "auth_timeout",
    });
    expect(await client.closed).toEqual({ code: 4408, reason: "auth_timeout" });
  });

  it("counts refused authentications by reason in /metrics", async () => {
    const server = await start();
    const client = open(`${server.url}?token=nope-nope`);
    await client.closed;
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toMatch(/postoffice_auth_failures_total\{reason="token_unknown"\} 1/);
    expect(text).toMatch(/postoffice_errors_total\{code="unauthorized"\} 1/);
  });
});

describe("anonymous development mode", () => {
  const { start } = useTestServer();

  it("names a guest `~name` from ?client_id=, ?id= or ?username= when enabled [AUTH-7]", async () => {
    const server = await start({ auth: { anonymous: { enabled: true } } });
    for (const [param, name] of [
      ["client_id", "user1"],
      ["id", "1113"],
      ["username", "john"],
    ]) {
      const client = new TestClient(`${server.url}?${param}=${name}`);
      expect((await client.nextOfType("welcome")).data).toMatchObject({
        user: `~${name}`,
        anonymous: true,
      });
      client.ws.terminate();
    }
  });

  it("never lets a guest read a signed-in user's mailbox, and refuses tokens that name a guest [AUTH-7]", async () => {
    const server = await start({ auth: { anonymous: { enabled: true } } });
    const alice = new TestClient(`${server.url}?token=${await signToken({ sub: "alice" })}`);
    await alice.nextOfType("welcome");
    const bob = new TestClient(`${server.url}?token=bob-static-token`);
    await bob.nextOfType("welcome");
    bob.send({ type: "message", id: "m1", data: { to: "alice", text: "reset code 4242" } });
    await alice.nextOfType("message");
    await alice.close();
    const guest = new TestClient(`${server.url}?client_id=alice&since=0`);
    expect((await guest.nextOfType("welcome")).data).toMatchObject({
      user: "~alice",
      mailbox: { after: 0 },
    });
    guest.send({ type: "ping", id: "p" });
    await guest.next((f) => f.ref === "p");
    expect(JSON.stringify(guest.frames)).not.toContain("4242");
    // Mail to a guest goes to the guest, by its `~` id.
    bob.send({ type: "message", id: "m2", data: { to: "~alice", text: "hello guest" } });
    expect((await guest.nextOfType("message")).data).toMatchObject({ to: "~alice", from: "bob" });
    // No credential can name a guest: a JWT whose `sub` is `~alice` is refused.
    const forged = new TestClient(`${server.url}?token=${await signToken({ sub: "~alice" })}`);
    expect((await forged.nextOfType("error")).data).toMatchObject({
      code: "unauthorized",
      reason: "token_claim_invalid",
    });
    expect((await forged.closed).code).toBe(4401);
    for (const client of [bob, guest]) client.ws.terminate();
  });

  it("lets an anonymous session upgrade to a real identity with an auth frame (MessageTransfer's flow)", async () => {
    const server = await start({ auth: { anonymous: { enabled: true } } });
    const client = new TestClient(`${server.url}?client_id=user1`);
    await client.nextOfType("welcome");
    client.send({ type: "auth", data: { token: "alice-static-token" } });
    expect((await client.nextOfType("welcome")).data).toMatchObject({
      user: "alice",
      anonymous: false,
    });
    client.ws.terminate();
  });

  it("is off by default: a connection without credentials must authenticate", async () => {
    const server = await start({ auth: { timeoutMs: 150 } });
    const client = new TestClient(`${server.url}?client_id=user1`);
    expect((await client.closed).code).toBe(4408);
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("credentials over time", () => {
  const { start } = useTestServer();

  // The node's clock and timers are fake from before the session starts (its expiry timer is
  // armed at the welcome): the token runs out without the test waiting for it.
  const fakeClock = () => vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("closes a session when its token expires, with 4401 token_expired", async () => {
    const server = await start();
    fakeClock();
    const exp = Math.floor(Date.now() / 1000) + 60;
    const client = new TestClient(`${server.url}?token=${await signToken({ sub: "alice", exp })}`);
    await client.nextOfType("welcome");
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await client.nextOfType("error")).toMatchObject({
      data: { code: "unauthorized", reason: "token_expired" },
    });
    expect(await client.closed).toEqual({ code: 4401, reason: "token_expired" });
  });

  it("keeps a session whose client sends a fresh token for the same user before expiry", async () => {
    const server = await start();
    fakeClock();
    const soon = Math.floor(Date.now() / 1000) + 60;
    const client = new TestClient(
      `${server.url}?token=${await signToken({ sub: "alice", exp: soon })}`,
    );
    await client.nextOfType("welcome");
    client.send({
      type: "auth",
      id: "refresh",
      data: { token: await signToken({ sub: "alice" }, { expiresIn: "1h" }) },
    });
    expect(await client.nextOfType("welcome")).toMatchObject({
      ref: "refresh",
      data: { user: "alice" },
    });
    // Past the first token's expiry: a ping's pong proves the node handled the time that passed.
    await vi.advanceTimersByTimeAsync(61_000);
    client.send({ type: "ping", id: "after-expiry" });
    expect(await client.nextOfType("pong")).toMatchObject({ ref: "after-expiry" });
    expect(client.ws.readyState).toBe(1);
    expect(client.frames.filter((f) => f.type === "error")).toEqual([]);
    client.ws.terminate();
  });

  it("refuses a cookie-authenticated upgrade from another origin with 403, and accepts the same origin", async () => {
    const server = await start();
    const token = await signToken({ sub: "alice" });
    const host = `127.0.0.1:${server.node.port}`;
    const status = await new Promise<number | undefined>((resolve) => {
      const ws = new TestClient(server.url, undefined, {
        headers: { Cookie: `session-token=${token}`, Origin: "https://evil.example" },
      }).ws;
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      ws.on("error", () => resolve(undefined));
    });
    expect(status).toBe(403);
    const same = new TestClient(server.url, undefined, {
      headers: { Cookie: `session-token=${token}`, Origin: `http://${host}` },
    });
    expect((await same.nextOfType("welcome")).data?.user).toBe("alice");
    same.ws.terminate();
  });
});
