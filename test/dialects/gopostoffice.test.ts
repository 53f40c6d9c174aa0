import { afterEach, describe, expect, it } from "vitest";
import { metricValue } from "../support/metrics.js";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * GO-POSTOFFICE's clients as its examples connect (`/?clientID=…`, a token in the query or
 * `Authorization: Bearer`) and send mail: `{"from","to","subject","content","type",…}`. What a
 * recipient reads is compared byte for byte with what was sent.
 */
describe("the gopostoffice dialect", () => {
  let server: TestServer | undefined;
  const clients: Array<SeedClient | TestClient> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  /** The seed's set-up: any path, anyone by clientID; native clients on /native. */
  async function start(gopostoffice: Record<string, unknown> = {}): Promise<TestServer> {
    server = await startTestServer({
      server: { dialect: "gopostoffice" },
      endpoints: [
        { path: "/native", dialect: "native" },
        { path: "*", dialect: "gopostoffice" },
      ],
      gopostoffice: { trustClientId: true, ...gopostoffice },
    });
    return server;
  }

  function base(): string {
    return `ws://127.0.0.1:${server?.node.port}`;
  }

  async function seedClient(id: string, path = "/"): Promise<SeedClient> {
    const client = new SeedClient(`${base()}${path}?clientID=${encodeURIComponent(id)}`);
    clients.push(client);
    await client.opened;
    return client;
  }

  async function nativeClient(user: string): Promise<TestClient> {
    const client = await connectAs(`${base()}/native`, await signToken({ sub: user }));
    clients.push(client);
    return client;
  }

  /** A mail as the seed's examples write one, with the fields given over its own. */
  function mail(from: string, to: string | string[], extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
      from,
      to,
      subject: "Hello",
      content: "How are you?",
      type: "msg",
      ...extra,
    });
  }

  it("refuses an upgrade without clientID with HTTP 400 `Client ID is required`, as the seed", async () => {
    await start();
    for (const path of ["/", "/ws", "/any/path?clientID="]) {
      expect(await refusedUpgrade(`${base()}${path}`)).toEqual({
        status: 400,
        contentType: "text/plain; charset=utf-8",
        body: "Client ID is required\n",
      });
    }
  });

  it("delivers a mail byte for byte to its recipient on any path, and nothing to the sender", async () => {
    await start();
    const erp = await seedClient("/service/erp/company/001", "/socket");
    const user = await seedClient("user-7");
    // Key order, spacing, escapes and unknown fields, exactly as sent.
    const text = `{ "to":"/service/erp/company/001","from":"user-7", "subject":"Q\\u00e9", "content":{"html":"<b>\\"x\\"</b>","n":1.50}, "type":"msg", "x-extra":[1,{"b":2}] }`;
    user.send(text);
    expect(await erp.next()).toBe(text);
    // The sender heard nothing: its own heartbeat is the next thing it reads.
    const heartbeat = mail("user-7", "user-7", { type: "heartbeat", content: "" });
    user.send(heartbeat);
    expect(await user.next()).toBe(heartbeat);
  });

  it("delivers a mail to every id of an array, the sender too when it is one of them", async () => {
    await start();
    const [a, b, c] = await Promise.all([seedClient("a"), seedClient("b"), seedClient("c")]);
    const text = mail("a", ["b", "c", "a"]);
    a.send(text);
    for (const client of [a, b, c]) expect(await client.next()).toBe(text);
  });

  it("refuses a mail whose from is not the sender's clientID, never delivers it, and counts it", async () => {
    await start();
    const victim = await seedClient("victim");
    const mallory = await seedClient("mallory");
    mallory.send(mail("bank", "victim"));
    mallory.send(JSON.stringify({ to: "victim", content: "no from" }));
    const honest = mail("mallory", "victim");
    mallory.send(honest);
    expect(await victim.next()).toBe(honest);
    expect(mallory.unread()).toEqual([]);
    expect(
      await metricValue(
        server as TestServer,
        'postoffice_frames_in_total{type="invalid",dialect="gopostoffice"}',
      ),
    ).toBe(2);
  });

  it("keeps mail for a client that is offline and delivers it when it connects, in order and once", async () => {
    // Receipts on: the sender learns when its mail was written, before the recipient reconnects.
    await start({ receipts: true });
    const sender = await seedClient("sender");
    const texts = [
      mail("sender", "later", { content: "one" }),
      mail("sender", "later", { content: "two" }),
    ];
    for (const text of texts) sender.send(text);
    const receipts = async (status: string, count: number) => {
      for (let i = 0; i < count; i++) {
        expect(JSON.parse(await sender.next())).toMatchObject({ receipt: status, to: "later" });
      }
    };
    await receipts("accepted", 2);
    const later = await seedClient("later");
    expect([await later.next(), await later.next()]).toEqual(texts);
    await receipts("delivered", 2);
    later.close();
    const again = await seedClient("later");
    const fresh = mail("sender", "later", { content: "three" });
    sender.send(fresh);
    expect(await again.next()).toBe(fresh);
  });

  it("lets a native client and a GO-POSTOFFICE client mail each other", async () => {
    await start();
    const erp = await seedClient("erp");
    const alice = await nativeClient("alice");
    alice.send({ type: "message", id: "m1", data: { to: "erp", text: '<hi> & "bye"' } });
    const got = JSON.parse(await erp.next()) as Record<string, unknown>;
    expect(got).toMatchObject({ from: "alice", to: "erp", content: '<hi> & "bye"', type: "msg" });
    await alice.next((f) => f.type === "receipt" && f.data?.status === "delivered");
    const text = mail("erp", "alice", { content: { total: 42 } });
    erp.send(text);
    const received = await alice.nextOfType("message");
    expect(received.data).toMatchObject({
      from: "erp",
      to: "alice",
      body: { text, format: "gopostoffice" },
    });
  });

  it("sends receipts and errors only when its settings ask", async () => {
    await start({ receipts: true, errors: true });
    const a = await seedClient("a");
    await seedClient("b");
    a.send(mail("someone-else", "b"));
    expect(JSON.parse(await a.next())).toMatchObject({ error: "forged_sender" });
    a.send(mail("a", "b"));
    expect(JSON.parse(await a.next())).toMatchObject({ receipt: "accepted", to: "b" });
    expect(JSON.parse(await a.next())).toMatchObject({ receipt: "delivered", to: "b" });
  });

  it("checks the token for the clientID when trustClientId is off", async () => {
    server = await startTestServer({
      server: { dialect: "gopostoffice" },
      auth: { tokens: [{ token: "erp-static-token", user: "erp" }] },
    });
    const url = (query: string) => `${server?.url}?${query}`;
    expect(await refusedUpgrade(url("clientID=erp"))).toMatchObject({
      status: 401,
      body: "Unauthorized\n",
    });
    expect(await refusedUpgrade(url("clientID=crm&token=erp-static-token"))).toMatchObject({
      status: 401,
    });
    const byQuery = new SeedClient(url("clientID=erp&token=erp-static-token&startTime=1700000000"));
    const byHeader = new SeedClient(url(`clientID=carol`), {
      headers: { Authorization: `Bearer ${await signToken({ sub: "carol" })}` },
    });
    clients.push(byQuery, byHeader);
    await Promise.all([byQuery.opened, byHeader.opened]);
    const text = mail("carol", "erp");
    byHeader.send(text);
    expect(await byQuery.next()).toBe(text);
  });
});
