import { afterEach, describe, expect, it } from "vitest";
import { type LocalHttp, sendJson, startLocalHttp } from "../auth/local-http.js";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";

const CONFLICT = {
  status: 409,
  contentType: "text/plain; charset=utf-8",
  body: "Connection rejected: newer connection exists\n",
};

/**
 * GO-POSTOFFICE's one connection per clientID (docs/migrating.md#go-postoffice), with clients
 * connecting as the seed's do (`/?clientID=…&startTime=…`, the node `ws` client): a newer
 * `startTime` replaces the connection (closed with 4410), an older or equal one is refused with
 * the seed's HTTP 409, and the mail in flight to the replaced one goes to its successor.
 */
describe("one GO-POSTOFFICE connection per clientID", () => {
  let server: TestServer | undefined;
  let webhook: LocalHttp | undefined;
  const clients: SeedClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
    await webhook?.close();
    webhook = undefined;
  });

  async function start(config: Record<string, unknown> = {}): Promise<TestServer> {
    server = await startTestServer({
      server: { dialect: "gopostoffice" },
      endpoints: [{ path: "*", dialect: "gopostoffice" }],
      gopostoffice: { trustClientId: true },
      ...config,
    });
    return server;
  }

  function url(id: string, startTime?: string): string {
    const query = startTime === undefined ? "" : `&startTime=${startTime}`;
    return `ws://127.0.0.1:${server?.node.port}/?clientID=${id}${query}`;
  }

  function connecting(id: string, startTime?: string): SeedClient {
    const client = new SeedClient(url(id, startTime));
    clients.push(client);
    return client;
  }

  async function connect(id: string, startTime?: string): Promise<SeedClient> {
    const client = connecting(id, startTime);
    await client.opened;
    return client;
  }

  function mail(from: string, to: string, content: string): string {
    return JSON.stringify({ from, to, subject: "s", content, type: "msg" });
  }

  /**
   * "src" mailing "svc" (startTime 1700000000) 600 mails, 50 in flight: each one read (by
   * whichever connection `sendNext` is given to) is followed by a new one sent.
   */
  async function mailFlowing() {
    const sender = await connect("src");
    const old = await connect("svc", "1700000000");
    const texts = Array.from({ length: 600 }, (_, i) => mail("src", "svc", `n${i}`));
    let sent = 0;
    const sendNext = () => {
      const text = texts[sent];
      if (text === undefined) return;
      sent += 1;
      sender.send(text);
    };
    old.ws.on("message", sendNext);
    for (let i = 0; i < 50; i++) sendNext();
    await until(() => old.texts.length >= 100, "the old connection reading its mail");
    return { sender, old, texts, sendNext, allSent: () => sent === texts.length };
  }

  it("closes the older connection with 4410 when a newer startTime connects, and hands it the mail not yet written, none twice", async () => {
    await start();
    const { sender, old, texts, sendNext, allSent } = await mailFlowing();
    // The newer instance connects while mail is flowing to the old one.
    const fresh = connecting("svc", "1700000100");
    fresh.ws.on("message", sendNext);
    await fresh.opened;
    expect(await old.closed).toEqual({ code: 4410, reason: "replaced" });
    await until(allSent, "every mail sent");
    // A last mail: anything given twice would come before it, in mailbox order.
    const last = mail("src", "svc", "last");
    sender.send(last);
    await until(() => fresh.texts.includes(last), "the last mail on the new connection");
    const received = [...old.texts, ...fresh.texts];
    expect(received).toEqual([...texts, last]);
  });

  it("hands the mail on once when a clientID is replaced twice in a row, the second before the first has started", async () => {
    await start();
    const { sender, old, texts, sendNext, allSent } = await mailFlowing();
    // Two newer instances at once: the second replaces the first while its start still waits.
    const middle = connecting("svc", "1700000100");
    const newest = connecting("svc", "1700000200");
    newest.ws.on("message", sendNext);
    await newest.opened;
    expect(await old.closed).toEqual({ code: 4410, reason: "replaced" });
    expect((await middle.closed).code).toBe(4410);
    await until(allSent, "every mail sent");
    const last = mail("src", "svc", "last");
    sender.send(last);
    await until(() => newest.texts.includes(last), "the last mail on the newest connection");
    expect([...old.texts, ...middle.texts, ...newest.texts]).toEqual([...texts, last]);
  });

  it("refuses an older or equal startTime with the seed's HTTP 409, and the holder keeps its mail", async () => {
    await start();
    const sender = await connect("src");
    const holder = await connect("svc", "1700000100");
    expect(await refusedUpgrade(url("svc", "1700000100"))).toEqual(CONFLICT);
    expect(await refusedUpgrade(url("svc", "1700000099"))).toEqual(CONFLICT);
    // Unparsable is 0, as Go's ParseInt with its error ignored.
    expect(await refusedUpgrade(url("svc", "soon"))).toEqual(CONFLICT);
    const text = mail("src", "svc", "still yours");
    sender.send(text);
    expect(await holder.next()).toBe(text);
  });

  it("lets a connection without startTime (now, in seconds) replace one of the same second, and refuses it against a later startTime", async () => {
    await start();
    const first = await connect("svc");
    // The seed refused this one (equal seconds); a client that reconnects at once gets in.
    const second = await connect("svc");
    expect(await first.closed).toEqual({ code: 4410, reason: "replaced" });
    const sender = await connect("src");
    const text = mail("src", "svc", "hi");
    sender.send(text);
    expect(await second.next()).toBe(text);
    // Explicit ranks keep the seed's rule against "now": older is refused, newer replaces.
    expect(await refusedUpgrade(url("svc", "1"))).toEqual(CONFLICT);
    const future = await connect("svc", "99999999999");
    expect(await second.closed).toEqual({ code: 4410, reason: "replaced" });
    expect(await refusedUpgrade(url("svc"))).toEqual(CONFLICT);
    sender.send(text);
    expect(await future.next()).toBe(text);
  });

  it("replaces the connection when limits.maxSessionsPerUser is 1: the replaced one no longer counts", async () => {
    await start({ limits: { maxSessionsPerUser: 1 } });
    const old = await connect("svc", "1700000000");
    const fresh = await connect("svc", "1700000100");
    expect(await old.closed).toEqual({ code: 4410, reason: "replaced" });
    const sender = await connect("src");
    const text = mail("src", "svc", "to the one left");
    sender.send(text);
    expect(await fresh.next()).toBe(text);
  });

  it("keeps every connection of a clientID, each with the mail, when oneConnectionPerClient is off", async () => {
    await start({ gopostoffice: { trustClientId: true, oneConnectionPerClient: false } });
    const older = await connect("svc", "1700000100");
    const newer = await connect("svc", "1700000000");
    const sender = await connect("src");
    const text = mail("src", "svc", "both");
    sender.send(text);
    expect(await older.next()).toBe(text);
    expect(await newer.next()).toBe(text);
  });

  for (const order of ["newer first", "older first", "together"] as const) {
    it(`lets exactly the newer of two handshakes in flight at once hold the clientID (token checks answered ${order})`, async () => {
      // A webhook that answers when the test says: both handshakes wait in the token check.
      const held: Array<{ answer: () => void; body: string }> = [];
      webhook = await startLocalHttp((_req, res, body) => {
        if (body.includes("src-token")) sendJson(res, 200, { user: "src" });
        else held.push({ body, answer: () => sendJson(res, 200, { user: "svc" }) });
      });
      await start({
        gopostoffice: { trustClientId: false },
        auth: { webhook: { url: webhook.url } },
      });
      const older = new SeedClient(`${url("svc", "100")}&token=older`);
      const newer = new SeedClient(`${url("svc", "200")}&token=newer`);
      clients.push(older, newer);
      const olderOutcome = older.opened.then(
        () => "opened",
        (error: Error) => error.message,
      );
      await until(() => held.length === 2, "both token checks in flight");
      const check = (token: string) => held.find((h) => h.body.includes(token));
      if (order === "newer first") {
        check("newer")?.answer();
        await newer.opened;
        check("older")?.answer();
        expect(await olderOutcome).toBe("Unexpected server response: 409");
      } else if (order === "older first") {
        check("older")?.answer();
        await older.opened;
        check("newer")?.answer();
        await newer.opened;
        expect(await older.closed).toEqual({ code: 4410, reason: "replaced" });
      } else {
        for (const h of held) h.answer();
        await newer.opened;
        const outcome = await olderOutcome;
        if (outcome === "opened") {
          expect(await older.closed).toEqual({ code: 4410, reason: "replaced" });
        } else {
          expect(outcome).toBe("Unexpected server response: 409");
        }
      }
      const sender = new SeedClient(`${url("src")}&token=src-token`);
      clients.push(sender);
      await sender.opened;
      const text = mail("src", "svc", "to the newer");
      sender.send(text);
      expect(await newer.next()).toBe(text);
      expect(newer.ws.readyState).toBe(newer.ws.OPEN);
    });
  }
});
