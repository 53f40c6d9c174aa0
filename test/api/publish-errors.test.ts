import { describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

describe("refusals of POST /api/v1/publish", () => {
  const t = useTestServer();
  const post = (httpUrl: string, body: unknown) =>
    api(httpUrl, "POST", "/api/v1/publish", { key: KEYS.publisher, body });

  it("answers 400 with a JSON pointer to the field at fault", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const cases: Array<[unknown, string, string]> = [
      // A missing member: the pointer is the object that lacks it, as the publish schema says.
      [{ to: "bob" }, "", "required property 'data'"],
      [{ to: "bob", room: "lobby", data: {} }, "", "exactly one of"],
      [{ to: ["ann", ""], data: {} }, "/to", "user id"],
      [{ room: "no spaces!", data: {} }, "/room", "room name"],
      [{ broadcast: false, data: {} }, "/broadcast", ""],
      [{ to: "bob", data: [] }, "/data", "object"],
      [{ to: "bob", data: {}, extra: 1 }, "/extra", "not a field"],
      [{ to: "bob", data: { from: "ceo" } }, "/data/from", "sender"],
      [{ to: "bob", data: { to: "eve" } }, "/data/to", "address"],
      [[1, 2], "", "object"],
    ];
    for (const [body, pointer, words] of cases) {
      const answer = await post(httpUrl, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer), JSON.stringify(body)).toMatchObject({
        code: "invalid_request",
        pointer,
      });
      expect(errorOf(answer).message).toContain(words);
    }
  });

  it("answers 400 invalid_json to a body that is not JSON, and 415 to one that is not declared JSON", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const badJson = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.publisher,
      raw: '{"to":"bob",',
      headers: { "content-type": "application/json" },
    });
    expect(badJson.status).toBe(400);
    expect(errorOf(badJson).code).toBe("invalid_json");
    const badUtf8 = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.publisher,
      raw: Buffer.from([0x7b, 0xff, 0x7d]),
      headers: { "content-type": "application/json" },
    });
    expect(errorOf(badUtf8).code).toBe("invalid_json");
    const form = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.publisher,
      raw: "to=bob",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(errorOf(form).code).toBe("unsupported_media_type");
  });

  it("answers 413 to a body over api.maxBodyBytes and to data over a client's limits", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      api: { ...API_CONFIG.api, maxBodyBytes: 2048 },
      limits: { maxFrameBytes: 1024, maxNestingDepth: 4, maxStringLength: 100 },
    });
    const huge = await post(httpUrl, { to: "bob", data: { blob: "x".repeat(4000) } });
    expect(huge.status).toBe(413);
    expect(errorOf(huge).message).toContain("api.maxBodyBytes");
    const overFrame = await post(httpUrl, {
      to: "bob",
      data: { a: "x".repeat(90), b: Array(20).fill("y".repeat(90)) },
    });
    expect(overFrame.status).toBe(413);
    expect(errorOf(overFrame)).toMatchObject({ code: "too_large", pointer: "/data" });
    const deep = await post(httpUrl, { to: "bob", data: { a: { b: { c: { d: 1 } } } } });
    expect(errorOf(deep)).toMatchObject({ code: "too_large", pointer: "/data/a/b/c" });
    const long = await post(httpUrl, { to: "bob", data: { text: "z".repeat(101) } });
    expect(errorOf(long)).toMatchObject({ code: "too_large", pointer: "/data/text" });
  });

  it("holds data to validation.message as a client's mail, pointing into data", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      validation: {
        message: {
          type: "object",
          required: ["text"],
          properties: { text: { type: "string" }, to: { type: "string", pattern: "^[a-z]+$" } },
        },
      },
    });
    const missing = await post(httpUrl, { to: "bob", data: { n: 1 } });
    expect(missing.status).toBe(400);
    expect(errorOf(missing)).toMatchObject({ code: "schema_violation", pointer: "/data" });
    const wrongType = await post(httpUrl, { to: "bob", data: { text: 5 } });
    expect(errorOf(wrongType)).toMatchObject({ code: "schema_violation", pointer: "/data/text" });
    const badRecipient = await post(httpUrl, { to: ["ann", "Bob9"], data: { text: "hi" } });
    expect(errorOf(badRecipient)).toMatchObject({ code: "schema_violation", pointer: "/to/1" });
    expect((await post(httpUrl, { to: "bob", data: { text: "hi" } })).status).toBe(202);
  });

  it("judges the service by permissions.direct and permissions.rooms with the key's roles", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      permissions: {
        direct: [{ from: ["*"], to: ["user:customer-*"] }],
        rooms: [
          { match: "staff-*", join: ["staff"], send: ["staff"], history: ["staff"] },
          { match: "*", join: ["*"], send: ["*"], history: ["*"] },
        ],
      },
    });
    const toStaff = await post(httpUrl, { to: ["customer-1", "ceo"], data: {} });
    expect(toStaff.status).toBe(403);
    expect(errorOf(toStaff)).toMatchObject({ code: "forbidden", pointer: "/to/1" });
    expect(errorOf(toStaff).message).toContain("permissions.direct");
    const staffRoom = await post(httpUrl, { room: "staff-1", data: {} });
    expect(errorOf(staffRoom)).toMatchObject({ code: "forbidden", pointer: "/room" });
    expect(errorOf(staffRoom).message).toContain("permissions.rooms[0]");
    // Nothing of a refused request is kept.
    const mailbox = await api(httpUrl, "GET", "/api/v1/users/customer-1/mailbox", {
      key: KEYS.reader,
    });
    expect((mailbox.body as { entries: unknown[] }).entries).toEqual([]);
  });

  it("answers 409 mailbox_full naming the recipient whose mailbox refused", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      mailbox: { maxMessages: 1, overflow: "refuse" },
    });
    expect((await post(httpUrl, { to: "bob", data: { n: 1 } })).status).toBe(202);
    const full = await post(httpUrl, { to: ["ann", "bob"], data: { n: 2 } });
    expect(full.status).toBe(409);
    expect(errorOf(full)).toMatchObject({ code: "mailbox_full", pointer: "/to/1" });
  });

  it("answers 404 to an unknown route and 405 with Allow to a known one with another method", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const unknown = await api(httpUrl, "GET", "/api/v1/unknown", { key: KEYS.admin });
    expect(unknown.status).toBe(404);
    const wrongMethod = await api(httpUrl, "GET", "/api/v1/publish", { key: KEYS.admin });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("POST");
    expect(errorOf(wrongMethod).code).toBe("method_not_allowed");
  });

  it("checks path and query parameters against their schemas", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const badRoom = await api(httpUrl, "GET", "/api/v1/presence/bad%20room", { key: KEYS.reader });
    expect(badRoom.status).toBe(400);
    expect(errorOf(badRoom)).toMatchObject({ code: "invalid_request", pointer: "/params/room" });
    const badSince = await api(httpUrl, "GET", "/api/v1/rooms/lobby/history?since=-1", {
      key: KEYS.reader,
    });
    expect(errorOf(badSince)).toMatchObject({ code: "invalid_request", pointer: "/query/since" });
    const badLimit = await api(httpUrl, "GET", "/api/v1/users/bob/mailbox?limit=abc", {
      key: KEYS.reader,
    });
    expect(errorOf(badLimit).pointer).toBe("/query/limit");
    const encoded = await api(httpUrl, "GET", "/api/v1/users/a%2Fb%20c/mailbox", {
      key: KEYS.reader,
    });
    expect(encoded.body).toMatchObject({ user: "a/b c" });
  });
});
