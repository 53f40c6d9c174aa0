import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/server/activity/activity-event.js";
import { eventBody, routingKey, routingWord } from "../../src/server/amqp/event-routing.js";

describe("routing keys of activity events", () => {
  it.each<[ActivityEvent, string]>([
    [
      { kind: "mail.accepted", id: "m1", from: "billing", to: "bob", seq: 3, ts: 1, body: {} },
      "mail.accepted.bob",
    ],
    [{ kind: "mail.delivered", id: "m1", from: "billing", to: "bob", ts: 2 }, "mail.delivered.bob"],
    [{ kind: "mail.read", id: "m1", from: "billing", to: "bob", ts: 3 }, "mail.read.bob"],
    [{ kind: "presence.join", room: "lobby", user: "ann", ts: 4 }, "presence.join.lobby"],
    [{ kind: "presence.leave", room: "lobby", user: "ann", ts: 5 }, "presence.leave.lobby"],
    [
      {
        kind: "event",
        name: "send_message",
        target: "room:global",
        from: "ann",
        payload: 1,
        ts: 6,
      },
      "event.send_message.room:global",
    ],
  ])("%j is routed as %s", (event, key) => {
    expect(routingKey(event)).toBe(key);
  });

  it("keeps a name with dots one word, reversibly, and shortens a very long one to a hash", () => {
    expect(routingWord("ann.smith")).toBe("ann%2Esmith");
    expect(routingWord("100%.sure")).toBe("100%25%2Esure");
    expect(decodeURIComponent(routingWord("a.b%c"))).toBe("a.b%c");
    const long = routingWord("x".repeat(101));
    expect(long).toMatch(/^~[0-9a-f]{32}$/);
    expect(routingWord("x".repeat(101))).toBe(long);
    expect(routingWord("x".repeat(100))).toBe("x".repeat(100));
  });

  it("leaves the mail's body out of a mail.accepted event unless asked", () => {
    const event: ActivityEvent = {
      kind: "mail.accepted",
      id: "m1",
      from: "billing",
      to: "bob",
      seq: 3,
      ts: 1,
      body: { text: "secret" },
    };
    expect(JSON.parse(eventBody(event, false))).toEqual({
      kind: "mail.accepted",
      id: "m1",
      from: "billing",
      to: "bob",
      seq: 3,
      ts: 1,
    });
    expect(JSON.parse(eventBody(event, true))).toEqual(event);
  });
});
