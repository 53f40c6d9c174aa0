import { describe, expect, it } from "vitest";
import { EVENT_REFUSAL_CODES } from "../../src/server/events/refusal.js";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

describe("what the sender is told", () => {
  it("accepts with the event's id and time", async () => {
    const { engine, counters } = await engineFor({ ping: { target: "none" } });
    const outcome = await engine.handle({ event: "ping" }, new RecordingPorts());
    expect(outcome).toMatchObject({ ok: true, event: "ping", id: expect.any(String), ts: 1_000 });
    expect(counters.acceptedCount("ping")).toBe(1);
  });

  it("refuses an undeclared event with unknown_event, counted under one label whatever its name", async () => {
    const { engine, counters } = await engineFor({ ping: { target: "none" } });
    for (const event of ["nope", "other"]) {
      expect(await engine.handle({ event }, new RecordingPorts())).toMatchObject({
        ok: false,
        event,
        refusal: { code: "unknown_event", message: `No event named "${event}" is declared.` },
      });
    }
    expect(counters.refusedCount("(unknown)", "unknown_event")).toBe(2);
  });

  it("refuses a target the event does not take with invalid_target", async () => {
    const { engine } = await engineFor({
      room_only: { target: { kind: "room", match: "lobby-*" } },
      none: { target: "none" },
      any: {},
    });
    const cases: Array<[string, string | undefined, RegExp]> = [
      ["room_only", "user:bob", /takes a room, not a user/],
      ["room_only", "kitchen", /does not take the room kitchen/],
      ["none", "lobby", /takes no target/],
      ["any", undefined, /needs a target/],
      ["any", "not a room!", /is not a room name or user:<id>/],
      ["any", "user:", /names no user/],
    ];
    for (const [event, target, message] of cases) {
      const outcome = await engine.handle(
        target === undefined ? { event } : { event, target },
        new RecordingPorts(),
      );
      expect(outcome, `${event} ${target}`).toMatchObject({
        ok: false,
        refusal: { code: "invalid_target", message },
      });
    }
    expect(
      (await engine.handle({ event: "room_only", target: "lobby-1" }, new RecordingPorts())).ok,
    ).toBe(true);
  });

  it("logs refusals throttled, one line per event and code per interval, and counts every one", async () => {
    const { engine, logs, counters } = await engineFor({
      limited: { target: "none", modifiers: [{ rate_limit: "1/h" }] },
    });
    for (let i = 0; i < 50; i++) await engine.handle({ event: "limited" }, new RecordingPorts());
    expect(counters.refusedCount("limited", "rate_limited")).toBe(49);
    const lines = logs.filter((line) => line.refusal === "event:limited:rate_limited");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      event: "limited",
      user: "alice",
      code: "rate_limited",
    });
  });

  it("has a documented sentence for every code", () => {
    for (const [code, text] of Object.entries(EVENT_REFUSAL_CODES))
      expect(text.length, code).toBeGreaterThan(20);
  });
});
