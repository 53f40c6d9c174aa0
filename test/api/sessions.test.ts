import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE_CODES } from "../../src/protocol/index.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, signToken } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

describe("sessions, presence and disconnect through the server API", () => {
  const t = useTestServer();

  it("lists a user's sessions on the node, with their rooms", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const phone = await t.connect("bob");
    await t.connect("bob");
    phone.send({ type: "join", id: "j", data: { room: "lobby" } });
    await phone.next((f) => f.ref === "j");
    const answer = await api(httpUrl, "GET", "/api/v1/users/bob/sessions", { key: KEYS.reader });
    const body = answer.body as {
      user: string;
      node: string;
      sessions: Array<{ rooms: string[] }>;
    };
    expect(body.user).toBe("bob");
    expect(body.sessions).toHaveLength(2);
    expect(body.sessions.map((session) => session.rooms).sort()).toEqual([[], ["lobby"]]);
    const nobody = await api(httpUrl, "GET", "/api/v1/users/nobody/sessions", { key: KEYS.reader });
    expect((nobody.body as { sessions: unknown[] }).sessions).toEqual([]);
  });

  it("tells who is in a room", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    for (const user of ["ann", "bob", "bob"]) {
      const client = await t.connect(user);
      client.send({ type: "join", id: "j", data: { room: "lobby" } });
      await client.next((f) => f.ref === "j");
    }
    const answer = await api(httpUrl, "GET", "/api/v1/presence/lobby", { key: KEYS.reader });
    expect(answer.body).toMatchObject({ room: "lobby", sessions: 3 });
    expect((answer.body as { members: string[] }).members.sort()).toEqual(["ann", "bob"]);
  });

  it("closes every session of the user with 4403, or the code and reason given", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const first = await t.connect("bob");
    const second = await t.connect("bob");
    const ann = await t.connect("ann");
    const answer = await api(httpUrl, "POST", "/api/v1/users/bob/disconnect", { key: KEYS.admin });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      user: "bob",
      code: CLOSE_CODES.disconnected,
      reason: "disconnected",
      closedOnThisNode: 2,
    });
    expect(await first.closed).toEqual({ code: 4403, reason: "disconnected" });
    expect(await second.closed).toEqual({ code: 4403, reason: "disconnected" });
    const custom = await api(httpUrl, "POST", "/api/v1/users/ann/disconnect", {
      key: KEYS.admin,
      body: { code: 4000, reason: "account suspended" },
    });
    expect(custom.status).toBe(202);
    expect(await ann.closed).toEqual({ code: 4000, reason: "account suspended" });
  });

  it("refuses a close code outside 4000–4999 and a reason over 123 bytes", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const code = await api(httpUrl, "POST", "/api/v1/users/bob/disconnect", {
      key: KEYS.admin,
      body: { code: 1000 },
    });
    expect(errorOf(code)).toMatchObject({ code: "invalid_request", pointer: "/code" });
    const reason = await api(httpUrl, "POST", "/api/v1/users/bob/disconnect", {
      key: KEYS.admin,
      body: { reason: "é".repeat(70) },
    });
    expect(errorOf(reason)).toMatchObject({ code: "invalid_request", pointer: "/reason" });
  });
});

describeWith("redis-server", "the server API on a network of nodes", () => {
  let redis: TestRedis;
  const nodes: TestServer[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const node of nodes.splice(0)) await node.stop();
    await redis.destroy();
  });

  it("disconnects a user's sessions on every node, mail published on one node reaching the other", async () => {
    const keyPrefix = `api-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          ...API_CONFIG,
          redis: { url: redis.url, keyPrefix },
          mailbox: { store: "redis" },
        }),
      );
    }
    const [a, b] = nodes as [TestServer, TestServer];
    const onA = await connectAs(a.url, await signToken({ sub: "bob" }));
    const onB = await connectAs(b.url, await signToken({ sub: "bob" }));
    const published = await api(a.httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.publisher,
      body: { to: "bob", data: { text: "from node a" } },
    });
    expect(published.status).toBe(202);
    expect((await onB.nextOfType("message")).data).toMatchObject({
      from: "billing",
      body: { text: "from node a" },
    });
    const onThis = await api(b.httpUrl, "GET", "/api/v1/users/bob/sessions", { key: KEYS.reader });
    expect(onThis.body).toMatchObject({
      node: expect.any(String),
      sessions: [{ node: expect.any(String) }],
    });
    const answer = await api(a.httpUrl, "POST", "/api/v1/users/bob/disconnect", {
      key: KEYS.admin,
      body: { reason: "revoked" },
    });
    expect(answer.body).toMatchObject({ closedOnThisNode: 1 });
    expect(await onA.closed).toEqual({ code: 4403, reason: "revoked" });
    expect(await onB.closed).toEqual({ code: 4403, reason: "revoked" });
  });
});
