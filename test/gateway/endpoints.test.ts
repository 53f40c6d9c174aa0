import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { connectAs, signToken, TestClient } from "../support/test-client.js";
import { JWT_SECRET, startTestServer, type TestServer } from "../support/test-server.js";

describe("endpoints", () => {
  let server: TestServer | undefined;
  const clients: Array<TestClient | SeedClient> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.stop();
    server = undefined;
  });
  const at = (path: string) => `ws://127.0.0.1:${server?.node.port}${path}`;
  const track = <T extends TestClient | SeedClient>(client: T): T => {
    clients.push(client);
    return client;
  };

  it("checks each endpoint's clients with its own authenticators", async () => {
    server = await startTestServer({
      endpoints: [
        {
          path: "/partners",
          dialect: "native",
          auth: { tokens: [{ token: "partner-token", user: "acme" }] },
        },
      ],
    });
    // The node's `auth` (the test server's JWT and static tokens) does not reach /partners...
    const refused = track(new TestClient(`${at("/partners")}?token=alice-static-token`));
    expect((await refused.nextOfType("error")).data).toMatchObject({ code: "unauthorized" });
    // ...nor /partners' tokens /ws.
    const alsoRefused = track(new TestClient(`${at("/ws")}?token=partner-token`));
    expect((await alsoRefused.nextOfType("error")).data).toMatchObject({ code: "unauthorized" });
    const acme = track(await connectAs(at("/partners"), "partner-token"));
    const alice = track(await connectAs(at("/ws"), "alice-static-token"));
    // One post office behind both: mail crosses endpoints.
    acme.send({ type: "message", data: { to: "alice", text: "invoice" } });
    expect((await alice.nextOfType("message")).data).toMatchObject({ from: "acme" });
  });

  it("gives a catch-all endpoint every path but the other endpoints' and the HTTP routes'", async () => {
    server = await startTestServer({
      endpoints: [
        {
          path: "*",
          dialect: "messagetransfer",
          auth: { tokens: [{ token: "valid-token", user: "*" }] },
        },
      ],
    });
    const token = await signToken({ sub: "bob" });
    // server.path keeps its own dialect.
    track(await connectAs(at("/ws"), token));
    for (const path of ["/service/erp/company/001", "/", "/anything?x=1"]) {
      const separator = path.includes("?") ? "&" : "?";
      const client = track(new SeedClient(`${at(path)}${separator}client_id=u1`));
      await client.opened;
      client.send({ type: "auth", data: { token: "valid-token" } });
      expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
    }
    for (const path of ["/health", "/metrics", "/api/stats", "/assets/x.js"]) {
      const refused = await refusedUpgrade(`${at(path)}?client_id=u1`);
      expect(refused.status, path).toBe(404);
      expect(JSON.parse(refused.body)).toMatchObject({
        error: { message: "WebSocket endpoint is /ws, any other path." },
      });
    }
  });

  it("counts connections and sessions by dialect in the dashboard's data", async () => {
    server = await startTestServer({
      endpoints: [
        {
          path: "/mt",
          dialect: "messagetransfer",
          auth: { tokens: [{ token: "valid-token", user: "*" }] },
        },
      ],
    });
    track(await connectAs(at("/ws"), await signToken({ sub: "bob" })));
    const seed = track(new SeedClient(`${at("/mt")}?client_id=u1`));
    await seed.opened;
    seed.send({ type: "auth", data: { token: "valid-token" } });
    expect(await seed.next()).toBe('{"data":"success","type":"auth"}\n');
    track(new SeedClient(`${at("/mt")}?client_id=u2`));
    const stats = async () =>
      (await (await fetch(`http://127.0.0.1:${server?.node.port}/api/stats`)).json()) as {
        dialects: Record<string, { connections: number; sessions: number }>;
      };
    await expect
      .poll(async () => (await stats()).dialects)
      .toEqual({
        native: { connections: 1, sessions: 1 },
        messagetransfer: { connections: 2, sessions: 1 },
      });
  });

  it("refuses any other path with 404 naming the endpoints", async () => {
    server = await startTestServer({
      endpoints: [
        { path: "/mt", dialect: "messagetransfer", auth: { jwt: { secret: JWT_SECRET } } },
      ],
    });
    const refused = await refusedUpgrade(at("/elsewhere"));
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: { code: "not_found", message: "WebSocket endpoint is /ws, /mt." },
    });
  });

  it("lets each endpoint's dialect choose the subprotocol", async () => {
    server = await startTestServer({
      endpoints: [
        { path: "/mt", dialect: "messagetransfer", auth: { jwt: { secret: JWT_SECRET } } },
      ],
    });
    const native = track(new SeedClient(at("/ws"), { protocols: ["postoffice.v1"] }));
    await native.opened;
    expect(native.ws.protocol).toBe("postoffice.v1");
    // MessageTransfer selects none: a client that insists on one fails its handshake, as the
    // seed's gorilla upgrader (no Subprotocols) makes it.
    const mt = new WebSocket(`${at("/mt")}?client_id=u1`, ["postoffice.v1"]);
    const failed = await new Promise<Error>((resolve) => mt.once("error", resolve));
    expect(failed.message).toMatch(/no subprotocol|Server sent no subprotocol/i);
  });
});
