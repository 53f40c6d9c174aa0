import { describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

const withKey = (key: string) => ({ "idempotency-key": key });

describe("Idempotency-Key on POST /api/v1/publish", () => {
  const t = useTestServer();
  const post = (httpUrl: string, body: unknown, key: string, apiKey = KEYS.publisher) =>
    api(httpUrl, "POST", "/api/v1/publish", { key: apiKey, body, headers: withKey(key) });
  const mailOf = async (httpUrl: string, user: string) =>
    (
      (await api(httpUrl, "GET", `/api/v1/users/${user}/mailbox?after=0`, { key: KEYS.reader }))
        .body as { entries: Array<{ id: string; body: unknown }> }
    ).entries;

  it("stores a retried request once and answers it with the first result", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const request = { to: ["ann", "bob"], data: { order: 42 } };
    const first = await post(httpUrl, request, "order-42-shipped");
    const again = await post(httpUrl, request, "order-42-shipped");
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(await mailOf(httpUrl, "ann")).toHaveLength(1);
    expect(await mailOf(httpUrl, "bob")).toHaveLength(1);
  });

  it("gives every recipient the mail: the second is not taken for a repeat of the first", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const answer = await post(httpUrl, { to: ["ann", "bob", "carol"], data: { n: 1 } }, "k1");
    const ids = (answer.body as { accepted: Array<{ id: string }> }).accepted.map((a) => a.id);
    expect(new Set(ids).size).toBe(3);
    for (const user of ["ann", "bob", "carol"]) expect(await mailOf(httpUrl, user)).toHaveLength(1);
  });

  it("refuses the same key with a different body with 409 id_conflict, storing nothing", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    await post(httpUrl, { to: "bob", data: { n: 1 } }, "k");
    const conflict = await post(httpUrl, { to: "bob", data: { n: 2 } }, "k");
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)).toMatchObject({ code: "id_conflict", pointer: "/id" });
    expect(await mailOf(httpUrl, "bob")).toHaveLength(1);
  });

  it("keeps each service's keys apart", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const one = await post(httpUrl, { to: "bob", data: { n: 1 } }, "k", KEYS.publisher);
    const other = await post(httpUrl, { to: "bob", data: { n: 1 } }, "k", KEYS.broadcaster);
    expect(other.status).toBe(202);
    expect(other.body).not.toEqual(one.body);
    expect(await mailOf(httpUrl, "bob")).toHaveLength(2);
  });

  it("answers concurrent repeats with the one result, stored once", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const request = { to: "bob", data: { n: 1 } };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(httpUrl, request, "same")),
    );
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    expect(await mailOf(httpUrl, "bob")).toHaveLength(1);
  });

  it("publishes a room message once for a repeated key", async () => {
    const { httpUrl } = await t.start({
      ...API_CONFIG,
      rooms: { settings: [{ match: "*", presence: false, history: 10 }] },
    });
    const bob = await t.connect("bob");
    bob.send({ type: "join", id: "j", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "j");
    const first = await post(httpUrl, { room: "lobby", data: { n: 1 } }, "room-k");
    const again = await post(httpUrl, { room: "lobby", data: { n: 1 } }, "room-k");
    expect(again.body).toEqual(first.body);
    const history = await api(httpUrl, "GET", "/api/v1/rooms/lobby/history", { key: KEYS.reader });
    expect((history.body as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it("lands mail to users once even after a restart forgot the node's records, from the mailbox store", async () => {
    const server = await t.start(API_CONFIG);
    const request = { to: ["ann", "bob"], data: { n: 1 } };
    const first = await post(server.httpUrl, request, "survives");
    await server.halt();
    const again = await t.start(API_CONFIG, { dir: server.dir });
    const retried = await post(again.httpUrl, request, "survives");
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual(first.body);
    expect(await mailOf(again.httpUrl, "ann")).toHaveLength(1);
  });

  it("takes the key from the body's id too, and refuses a header and an id that differ", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const viaBody = await api(httpUrl, "POST", "/api/v1/publish", {
      key: KEYS.publisher,
      body: { to: "bob", data: { n: 1 }, id: "b" },
    });
    const viaHeader = await post(httpUrl, { to: "bob", data: { n: 1 } }, "b");
    expect(viaHeader.body).toEqual(viaBody.body);
    const differ = await post(httpUrl, { to: "bob", data: { n: 1 }, id: "x" }, "y");
    expect(differ.status).toBe(400);
    expect(errorOf(differ).pointer).toBe("/id");
    const tooLong = await post(httpUrl, { to: "bob", data: {} }, "k".repeat(257));
    expect(errorOf(tooLong).pointer).toBe("/headers/idempotency-key");
  });
});
