import { afterEach, describe, expect, it } from "vitest";
import { createAmqpChatDialect } from "../../src/server/dialects/amqpchat/amqpchat-dialect.js";
import { httpGet, refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { JWT_SECRET, startTestServer, type TestServer } from "../support/test-server.js";
import { dialectContext } from "./dialect-context.js";

/** The value of the seed's `AUTHHEADER`, as its clients send it in `Authorization`. */
const AUTHHEADER = "Basic c2VlZDpjaGF0LXNlY3JldA==";

/**
 * The AMQP chat seed's clients, as its code reads and writes frames: `/ws?id=ID` with the
 * header `Authorization` equal to `AUTHHEADER`, `{"target_id","message","sender_id"}` in, plain
 * text out, compared byte for byte.
 */
describe("the amqpchat dialect", () => {
  let server: TestServer | undefined;
  const clients: Array<SeedClient | TestClient> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  /** The seed's set-up on /ws (its AUTHHEADER), and native clients with JWTs on /native. */
  async function start(): Promise<TestServer> {
    server = await startTestServer({
      server: { dialect: "amqpchat" },
      amqpchat: { authHeader: AUTHHEADER },
      endpoints: [{ path: "/native", dialect: "native", auth: { jwt: { secret: JWT_SECRET } } }],
    });
    return server;
  }

  /** A client of the seed: connected with its header, past `Connected`. */
  async function seedClient(id: string, authorization = AUTHHEADER): Promise<SeedClient> {
    const client = new SeedClient(`${server?.url}?id=${encodeURIComponent(id)}`, {
      headers: { Authorization: authorization },
    });
    clients.push(client);
    await client.opened;
    expect(await client.next()).toBe("Connected");
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

  /** What the seed's client sends (its README's payload). */
  const mail = (from: string, to: string, message: string) => ({
    target_id: to,
    message,
    sender_id: from,
  });

  it("refuses an upgrade without the Authorization header, or with another value, with HTTP 403 as the seed", async () => {
    await start();
    const url = `${server?.url}?id=1113`;
    expect(await refusedUpgrade(url)).toEqual({
      status: 403,
      contentType: "text/plain; charset=utf-8",
      body: "Forbidden: Invalid Authorization header\n",
    });
    for (const wrong of ["Basic d3Jvbmc=", AUTHHEADER.toLowerCase(), "Bearer x"]) {
      expect(await refusedUpgrade(url, { Authorization: wrong })).toEqual({
        status: 403,
        contentType: "text/plain; charset=utf-8",
        body: "Forbidden: Invalid credentials\n",
      });
    }
  });

  it("says Connected, and without an id says why not and closes", async () => {
    await start();
    await seedClient("1113");
    const anonymous = new SeedClient(server?.url ?? "", { headers: { Authorization: AUTHHEADER } });
    clients.push(anonymous);
    expect(await anonymous.next()).toBe("Forbidden: Please provide an 'id' parameter");
    expect((await anonymous.closed).code).toBe(4400);
  });

  it("gives the raw message to a connected recipient and Delivered.✔️✔️ to the sender", async () => {
    await start();
    const tenant = await seedClient("18trwSQ00");
    const admin = await seedClient("48trwSQ00");
    tenant.send(mail("18trwSQ00", "48trwSQ00", "yo, admin chat me up"));
    expect(await admin.next()).toBe("yo, admin chat me up");
    expect(await tenant.next()).toBe("Delivered.✔️✔️");
    expect(Buffer.from("Delivered.✔️✔️")).toEqual(
      Buffer.from("Delivered.\u2714\ufe0f\u2714\ufe0f", "utf8"),
    );
  });

  it("answers Delivered.✔️ for a recipient who is not connected and gives all its waiting mail, in order, when it connects", async () => {
    await start();
    const sender = await seedClient("a");
    for (const n of [1, 2, 3]) {
      sender.send(mail("a", "b", `mail ${n} <&>`));
      expect(await sender.next()).toBe("Delivered.✔️");
    }
    const recipient = await seedClient("b");
    for (const n of [1, 2, 3]) expect(await recipient.next()).toBe(`mail ${n} <&>`);
    // Written counts as delivered: the next connection does not get them again.
    recipient.close();
    const again = await seedClient("b");
    sender.send(mail("a", "b", "fresh"));
    expect(await sender.next()).toBe("Delivered.✔️✔️");
    expect(await again.next()).toBe("fresh");
  });

  it("refuses mail to oneself in the seed's words, and stamps the connection's id whatever sender_id says", async () => {
    await start();
    const ann = await seedClient("ann");
    ann.send(mail("ann", "ann", "me"));
    expect(await ann.next()).toBe("You cannot send a message to yourself.");
    // sender_id names the recipient: the seed would refuse it as mail to oneself; it is ann's.
    const bob = await nativeClient("bob");
    ann.send(mail("bob", "bob", "from ann"));
    expect(await ann.next()).toBe("Delivered.✔️✔️");
    expect((await bob.nextOfType("message")).data).toMatchObject({
      from: "ann",
      to: "bob",
      body: { text: "from ann" },
    });
  });

  it("answers Bad payload to anything it cannot read, and keeps the connection", async () => {
    await start();
    const client = await seedClient("ann");
    const unreadable = [
      "not json",
      "[]",
      '"text"',
      "42",
      "null",
      '{"message":"to nobody","sender_id":"ann"}',
      '{"target_id":5,"message":"x","sender_id":"ann"}',
      '{"target_id":"bob","message":{"text":"x"},"sender_id":"ann"}',
      '{"target_id":"bob","message":"x","sender_id":7}',
    ];
    for (const text of unreadable) {
      client.send(text);
      expect(await client.next()).toBe("Bad payload");
    }
    // Read as Go reads a struct: keys in any case, null as empty.
    client.send('{"Target_ID":"bob","MESSAGE":"still here","sender_id":null}');
    expect(await client.next()).toBe("Delivered.✔️");
  });

  it("lets a native client and an AMQP chat client mail each other; the native receipt does not say online", async () => {
    await start();
    const user = await seedClient("user1");
    const alice = await nativeClient("alice");
    alice.send({ type: "message", id: "m1", data: { to: "user1", text: "hi from native" } });
    expect(await user.next()).toBe("hi from native");
    const accepted = await alice.next((f) => f.ref === "m1" && f.data?.status === "accepted");
    expect(accepted.data).not.toHaveProperty("online");
    await alice.next((f) => f.ref === "m1" && f.data?.status === "delivered");
    alice.send({ type: "message", id: "m2", data: { to: "user1", n: 2 } });
    expect(await user.next()).toBe('{"n":2}');
    user.send(mail("user1", "alice", "hi back"));
    expect(await user.next()).toBe("Delivered.✔️✔️");
    expect((await alice.nextOfType("message")).data).toMatchObject({
      from: "user1",
      body: { text: "hi back" },
    });
  });

  it("bounds the id, keeps the guests' ~ ids out, bounds the fields, and tells a refusal it has no words for as Error: <code>", async () => {
    server = await startTestServer({
      server: { dialect: "amqpchat" },
      amqpchat: { authHeader: AUTHHEADER },
      limits: { maxStringLength: 16 },
    });
    const long = "x".repeat(17);
    expect(
      await refusedUpgrade(`${server.url}?id=${long}`, { Authorization: AUTHHEADER }),
    ).toMatchObject({ status: 400, body: "id is longer than 16 characters\n" });
    expect(
      await refusedUpgrade(`${server.url}?id=~ann`, { Authorization: AUTHHEADER }),
    ).toMatchObject({ status: 400, body: "id may not start with ~\n" });
    const client = await seedClient("ann");
    client.send(mail("ann", "bob", long));
    expect(await client.next()).toBe("Error: string_too_long");
    client.send(mail("ann", "bob", "short"));
    expect(await client.next()).toBe("Delivered.✔️");
  });

  it("gives a native client's broadcast to AMQP chat clients as its raw text", async () => {
    server = await startTestServer({
      server: { dialect: "amqpchat" },
      amqpchat: { authHeader: AUTHHEADER },
      permissions: { broadcast: ["*"] },
      endpoints: [{ path: "/native", dialect: "native", auth: { jwt: { secret: JWT_SECRET } } }],
    });
    const user = await seedClient("user1");
    const alice = await nativeClient("alice");
    alice.send({ type: "broadcast", id: "b1", data: { text: "Maintenance at noon." } });
    expect(await user.next()).toBe("Maintenance at noon.");
  });

  it("counts its connections and frames by dialect in /metrics", async () => {
    await start();
    const a = await seedClient("a");
    a.send(mail("a", "b", "x"));
    expect(await a.next()).toBe("Delivered.✔️");
    const metrics = await httpGet(`http://127.0.0.1:${server?.node.port}/metrics`);
    expect(metrics.body).toMatch(
      /postoffice_frames_in_total\{type="message",dialect="amqpchat"\} 1/,
    );
    expect(metrics.body).toMatch(/dialect="amqpchat"\} 1\b/);
  });

  it("takes, without AUTHHEADER, a token in the header whose user is the id", async () => {
    server = await startTestServer({
      server: { dialect: "amqpchat" },
      auth: { jwt: { secret: JWT_SECRET } },
    });
    const token = await signToken({ sub: "ann" });
    await seedClient("ann", `Bearer ${token}`);
    await seedClient("ann", token);
    expect((await refusedUpgrade(`${server.url}?id=bob`, { Authorization: token })).status).toBe(
      403,
    );
  });
});

describe("the amqpchat dialect's queue port", () => {
  it("copies mail that waits to the queue as the seed's MessageData JSON, and has no port without a queue", () => {
    const published: string[] = [];
    const dialect = createAmqpChatDialect(
      dialectContext({
        amqpchat: {
          authHeader: AUTHHEADER,
          chatQueue: { publish: (body) => published.push(body) },
        },
      }),
    );
    dialect.mailWaiting?.({ from: "a", to: "b", body: { text: "x <&> \u2028" } });
    dialect.mailWaiting?.({ from: "a", to: "b", body: { n: 1 } });
    expect(published).toEqual([
      '{"sender_id":"a","target_id":"b","message":"x \\u003c\\u0026\\u003e \\u2028"}',
      '{"sender_id":"a","target_id":"b","message":"{\\"n\\":1}"}',
    ]);
    expect(createAmqpChatDialect(dialectContext()).mailWaiting).toBeUndefined();
  });

  it("never lets a failing queue fail the send: the mail is in the mailbox either way", () => {
    const dialect = createAmqpChatDialect(
      dialectContext({
        amqpchat: {
          authHeader: AUTHHEADER,
          chatQueue: {
            publish: () => {
              throw new Error("channel closed");
            },
          },
        },
      }),
    );
    expect(() => dialect.mailWaiting?.({ from: "a", to: "b", body: { text: "x" } })).not.toThrow();
  });
});
