import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config/load-config.js";
import {
  browserChatToken,
  cookieClient,
  JOIN_SUCCESS,
  GODISPATCH_EVENTS as SEED_EVENTS,
} from "../support/godispatch-client.js";
import { metricValue } from "../support/metrics.js";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { connectAs, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** The seed's secret, in its README's `.env`. */
const SEED_SECRET = "a-very-secret-key-from-env-file";

/**
 * GoDispatch's clients as its browser chat (examples/chat/app.js) sends frames: the JWT in the
 * cookie `session-token`, then `{"event","target","payload"}`; what they read is
 * `{"event","payload"}`, compared byte for byte.
 */
describe("the godispatch dialect", () => {
  let server: TestServer | undefined;
  const clients: Array<SeedClient | TestClient> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  /** The seed's set-up on /ws (its events, its secret), and native clients on /native. */
  async function start(extra: Record<string, unknown> = {}): Promise<TestServer> {
    server = await startTestServer({
      server: { dialect: "godispatch" },
      auth: { jwt: { secret: SEED_SECRET } },
      godispatch: { jwtSecret: SEED_SECRET },
      endpoints: [{ path: "/native", dialect: "native" }],
      events: SEED_EVENTS,
      permissions: null,
      ...extra,
    });
    return server;
  }

  /** A client of the seed's browser chat: the cookie, then the join it sends on open. */
  async function browserChat(user: string, name = user): Promise<SeedClient> {
    const client = await cookieClient(server?.url ?? "", user, SEED_SECRET);
    clients.push(client);
    client.send({ event: "join_room", target: "room:global", payload: { name } });
    expect(await client.next()).toBe(JOIN_SUCCESS);
    expect(await client.next()).toBe(
      `{"event":"user_joined","payload":{"user":{"id":"${user}","name":"${name}"}}}`,
    );
    return client;
  }

  async function nativeClient(user: string): Promise<TestClient> {
    const url = `ws://127.0.0.1:${server?.node.port}/native`;
    const client = await connectAs(url, await browserChatToken(user, SEED_SECRET));
    clients.push(client);
    return client;
  }

  it("refuses an upgrade without a token with HTTP 401 `Missing token`, and a bad one with `Unauthorized`, as the seed", async () => {
    await start();
    const url = server?.url ?? "";
    expect(await refusedUpgrade(url)).toEqual({
      status: 401,
      contentType: "text/plain; charset=utf-8",
      body: "Missing token\n",
    });
    const forged = await browserChatToken("alice", "another-secret");
    for (const headers of [
      { Cookie: `session-token=${forged}` },
      { Cookie: "session-token=x.y.z" },
    ]) {
      expect(await refusedUpgrade(url, headers)).toEqual({
        status: 401,
        contentType: "text/plain; charset=utf-8",
        body: "Unauthorized\n",
      });
    }
  });

  it("refuses a token whose perms name a permission the configuration does not declare with HTTP 403 `Forbidden`, as the seed", async () => {
    await start({ permissions: { names: ["kick_user"] } });
    const url = server?.url ?? "";
    const token = (perms: string[]) =>
      new SignJWT({ sub: "mallory", perms })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode(SEED_SECRET));
    expect(
      await refusedUpgrade(url, { Cookie: `session-token=${await token(["ban_everyone"])}` }),
    ).toEqual({
      status: 403,
      contentType: "text/plain; charset=utf-8",
      body: "Forbidden\n",
    });
    // A declared one passes: the seed's chat goes on as usual.
    const ok = new SeedClient(url, {
      headers: { Cookie: `session-token=${await token(["kick_user"])}` },
    });
    clients.push(ok);
    await ok.opened;
  });

  it("runs the seed's chat as its page sends it: notices to every member, the sender included", async () => {
    await start();
    const alice = await browserChat("u-alice", "Alice");
    const bob = await browserChat("u-bob", "Bob");
    expect(await alice.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"u-bob","name":"Bob"}}}',
    );
    bob.send({ event: "send_message", target: "room:global", payload: { message: "hello" } });
    const said = '{"event":"new_message","payload":{"user":"u-bob","message":"hello"}}';
    expect(await bob.next()).toBe(said);
    expect(await alice.next()).toBe(said);
    bob.send({ event: "leave_room", target: "room:global", payload: {} });
    expect(await alice.next()).toBe(
      '{"event":"user_left","payload":{"user":"u-bob","room":"room:global"}}',
    );
  });

  it("delivers quotes, HTML and unicode in a message intact (the seed lost such a message)", async () => {
    await start();
    const alice = await browserChat("alice");
    const message = 'He said "hi" <b>&amp;</b> \\ \u2028 😀 {$user.id} {.payload.message}';
    alice.send({ event: "send_message", target: "room:global", payload: { message } });
    const notice = JSON.parse(await alice.next()) as { payload: { message: string } };
    expect(notice).toEqual({ event: "new_message", payload: { user: "alice", message } });
  });

  it("takes the token from Authorization: Bearer and from ?token= as well as the cookie", async () => {
    await start();
    const bearer = new SeedClient(server?.url ?? "", {
      headers: { Authorization: `Bearer ${await browserChatToken("by-header", SEED_SECRET)}` },
    });
    const query = new SeedClient(
      `${server?.url}?token=${await browserChatToken("by-query", SEED_SECRET)}`,
    );
    clients.push(bearer, query);
    for (const [client, user] of [
      [bearer, "by-header"],
      [query, "by-query"],
    ] as const) {
      await client.opened;
      client.send({ event: "join_room", target: "room:global", payload: { name: user } });
      expect(await client.next()).toBe(
        '{"event":"join_success","payload":{"room":"room:global","status":"ok"}}',
      );
    }
  });

  it("reaches every connection of a user through a user:<id> target", async () => {
    await start({
      events: {
        ...SEED_EVENTS,
        poke: { actions: [{ notify_user: { event: "poked", payload: { by: "{$user.id}" } } }] },
      },
    });
    const alice = await browserChat("alice");
    const bob1 = await browserChat("bob");
    const bob2 = await browserChat("bob");
    await alice.next(); // bob joined
    await alice.next(); // bob's second connection joined
    await bob1.next(); // bob's second connection joined
    alice.send({ event: "poke", target: "user:bob", payload: {} });
    for (const bob of [bob1, bob2]) {
      expect(await bob.next()).toBe('{"event":"poked","payload":{"by":"alice"}}');
    }
  });

  it("answers nothing to a bad frame, an unknown event or a spent rate limit, and counts each refusal", async () => {
    await start();
    const alice = await browserChat("alice");
    alice.send("not json");
    alice.send({ event: "no_such_event", target: "room:global", payload: {} });
    for (let i = 0; i < 11; i++) {
      alice.send({ event: "send_message", target: "room:global", payload: { message: `m${i}` } });
    }
    for (let i = 0; i < 10; i++) {
      expect(await alice.next()).toBe(
        `{"event":"new_message","payload":{"user":"alice","message":"m${i}"}}`,
      );
    }
    alice.send({ event: "leave_room", target: "room:global", payload: {} });
    alice.send({ event: "join_room", target: "room:global", payload: { name: "again" } });
    // The eleventh message said nothing, and neither did the frames before it.
    expect(await alice.next()).toBe(
      '{"event":"join_success","payload":{"room":"room:global","status":"ok"}}',
    );
    const refused = (event: string, code: string) =>
      metricValue(
        server as TestServer,
        `postoffice_events_refused_total{event="${event}",code="${code}"}`,
      );
    expect(await refused("send_message", "rate_limited")).toBe(1);
    expect(await refused("(unknown)", "unknown_event")).toBe(1);
    expect(
      await metricValue(server as TestServer, 'postoffice_connections{dialect="godispatch"}'),
    ).toBe(1);
  });

  it("lets a native client and a godispatch client share a room's events and mail each other", async () => {
    await start({
      events: {
        ...SEED_EVENTS,
        send_mail: { target: "user", actions: [{ mail: { body: "{.payload}" } }] },
      },
    });
    const alice = await browserChat("alice");
    const bob = await nativeClient("bob");
    bob.send({
      type: "event",
      id: "j1",
      data: { event: "join_room", target: "room:global", payload: { name: "Bob" } },
    });
    await bob.next((f) => f.type === "receipt" && f.ref === "j1");
    expect(await alice.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"bob","name":"Bob"}}}',
    );
    alice.send({ event: "send_message", target: "room:global", payload: { message: "hi bob" } });
    expect(await alice.next()).toBe(
      '{"event":"new_message","payload":{"user":"alice","message":"hi bob"}}',
    );
    const notice = await bob.next((f) => f.type === "event" && f.data?.event === "new_message");
    expect(notice.data).toMatchObject({
      payload: { user: "alice", message: "hi bob" },
      from: "alice",
      room: "room:global",
    });
    alice.send({ event: "send_mail", target: "user:bob", payload: { text: "a letter" } });
    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({ from: "alice", to: "bob", body: { text: "a letter" } });
    bob.send({ type: "message", id: "m1", data: { to: "alice", text: '<reply> & "thanks"' } });
    const got = JSON.parse(await alice.next()) as { event: string; payload: unknown };
    expect(got).toMatchObject({
      event: "message",
      payload: { from: "bob", to: "alice", body: { text: '<reply> & "thanks"' } },
    });
    // Written to the godispatch client is delivered: the native sender hears so.
    await bob.next((f) => f.type === "receipt" && f.data?.status === "delivered");
  });

  it("keeps mail for a godispatch client that is offline and delivers it when it connects, once", async () => {
    await start();
    const bob = await nativeClient("bob");
    bob.send({ type: "message", id: "m1", data: { to: "carol", text: "first" } });
    bob.send({ type: "message", id: "m2", data: { to: "carol", text: "second" } });
    await bob.next((f) => f.type === "receipt" && f.ref === "m2");
    const connect = async () => {
      const carol = await cookieClient(server?.url ?? "", "carol", SEED_SECRET);
      clients.push(carol);
      return carol;
    };
    const carol = await connect();
    for (const text of ["first", "second"]) {
      expect(JSON.parse(await carol.next())).toMatchObject({
        event: "message",
        payload: { body: { text } },
      });
    }
    // Both written, so both acknowledged: the sender hears so before carol comes back.
    for (let i = 0; i < 2; i++) {
      await bob.next((f) => f.type === "receipt" && f.data?.status === "delivered");
    }
    carol.close();
    const again = await connect();
    again.send({ event: "join_room", target: "room:global", payload: { name: "carol" } });
    // The join's answer comes first: the mail written before was not given again.
    expect(await again.next()).toBe(
      '{"event":"join_success","payload":{"room":"room:global","status":"ok"}}',
    );
  });

  it("refuses a cookie login from a page of another origin unless server.allowedOrigins lists it", async () => {
    await start();
    const token = await browserChatToken("alice", SEED_SECRET);
    const headers = { Cookie: `session-token=${token}`, Origin: "http://127.0.0.1:5500" };
    expect((await refusedUpgrade(server?.url ?? "", headers)).status).toBe(403);
    await server?.stop();
    await start({ server: { dialect: "godispatch", allowedOrigins: ["http://127.0.0.1:5500"] } });
    const client = new SeedClient(server?.url ?? "", { headers });
    clients.push(client);
    await client.opened;
  });
});

describe("godispatch.jwtSecret", () => {
  it("is read from GODISPATCH_SERVER_AUTH_JWTSECRET in the seed's .env, as auth.jwt's HS256 secret", async () => {
    const dir = await mkdtemp(join(tmpdir(), "postoffice-godispatch-"));
    try {
      await writeFile(join(dir, ".env"), 'GODISPATCH_SERVER_AUTH_JWTSECRET="a-very-secret-key"\n');
      await writeFile(join(dir, "postoffice.yaml"), "server:\n  dialect: godispatch\n");
      const { config } = await loadConfig({ cwd: dir, env: {}, flags: {} });
      expect(config.auth.jwt).toMatchObject({ secret: "a-very-secret-key", algorithms: ["HS256"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is unused by a node with no godispatch endpoint", async () => {
    const node = await startTestServer({ godispatch: { jwtSecret: SEED_SECRET } });
    try {
      expect(node.config.auth.jwt?.secret).not.toBe(SEED_SECRET);
    } finally {
      await node.stop();
    }
  });

  it("is refused beside an auth.jwt key of another value serving the same endpoint", async () => {
    await expect(
      startTestServer({
        server: { dialect: "godispatch" },
        godispatch: { jwtSecret: SEED_SECRET },
      }),
    ).rejects.toThrow(/godispatch\/jwtSecret: \/auth\/jwt has a key of its own/);
  });
});
