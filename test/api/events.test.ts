import { describe, expect, it } from "vitest";
import { useTestServer } from "../support/use-test-server.js";
import { API_CONFIG, api, errorOf, KEYS } from "./api-client.js";

const events = {
  ship: {
    target: "user",
    payload: { type: "object", required: ["order"], properties: { order: { type: "string" } } },
    actions: [
      {
        notify_user: {
          user: "{$target.user}",
          event: "shipped",
          payload: { order: "{.payload.order}" },
        },
      },
      { mail: { to: "{$target.user}", body: { order: "{.payload.order}", by: "{$user.id}" } } },
      { notify_origin: { event: "done", payload: { order: "{.payload.order}" } } },
    ],
  },
  maintenance: {
    target: "none",
    allow: { roles: ["admin"] },
    actions: [{ broadcast: { event: "maintenance", payload: { at: "06:00" } } }],
  },
  enter: { target: "room", actions: ["join"] },
  shout: { target: "room", actions: [{ notify_room: { event: "shout" } }] },
};

const send = (httpUrl: string, body: unknown, key = KEYS.publisher) =>
  api(httpUrl, "POST", "/api/v1/events", { key, body });

describe("POST /api/v1/events", () => {
  const t = useTestServer();
  const start = () => t.start({ ...API_CONFIG, events });

  it("runs a declared event as the key's service and answers its receipt, with its mail and notify_origin's notices", async () => {
    const { httpUrl } = await start();
    const bob = await t.connect("bob");
    const answer = await send(httpUrl, {
      event: "ship",
      target: "user:bob",
      payload: { order: "o-17" },
      id: "ship-o-17",
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: "accepted",
      event: "ship",
      mail: [{ to: "bob", seq: 1 }],
      notices: [{ event: "done", payload: { order: "o-17" } }],
    });
    expect((await bob.nextOfType("event")).data).toMatchObject({
      event: "shipped",
      payload: { order: "o-17" },
      from: "billing",
    });
    expect((await bob.nextOfType("message")).data).toMatchObject({
      from: "billing",
      body: { order: "o-17", by: "billing" },
    });
  });

  it("judges allow and the permissions by the key's service roles", async () => {
    const { httpUrl } = await start();
    const refused = await send(httpUrl, { event: "maintenance" });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatchObject({
      code: "forbidden",
      reason: "events.maintenance.allow",
    });
    const ann = await t.connect("ann");
    const accepted = await send(httpUrl, { event: "maintenance" }, KEYS.broadcaster);
    expect(accepted.status).toBe(200);
    expect((await ann.nextOfType("event")).data).toMatchObject({
      event: "maintenance",
      from: "status",
    });
  });

  it("answers each refusal with its code as a JSON error", async () => {
    const { httpUrl } = await start();
    const cases: Array<[unknown, number, string, string?]> = [
      [{ event: "nope" }, 422, "unknown_event"],
      [{ event: "ship", target: "lobby", payload: { order: "x" } }, 422, "invalid_target"],
      [{ event: "ship", target: "user:bob", payload: {} }, 400, "schema_violation"],
      // A service has no connection: it joins no room and is in none.
      [{ event: "enter", target: "lobby" }, 403, "forbidden"],
      [{ event: "shout", target: "lobby" }, 409, "not_a_member"],
      [{ event: "ship", extra: 1 }, 400, "invalid_request", "/extra"],
    ];
    for (const [body, status, code, pointer] of cases) {
      const answer = await send(httpUrl, body);
      expect(answer.status, code).toBe(status);
      expect(errorOf(answer), code).toMatchObject({ code, ...(pointer ? { pointer } : {}) });
    }
  });

  it("needs the publish scope", async () => {
    const { httpUrl } = await start();
    const answer = await send(httpUrl, { event: "maintenance" }, KEYS.reader);
    expect(answer.status).toBe(403);
    expect(errorOf(answer).code).toBe("insufficient_scope");
  });
});
