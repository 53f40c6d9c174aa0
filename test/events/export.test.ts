import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/server/activity/activity-event.js";
import type { ActivitySink } from "../../src/server/activity/activity-feed.js";
import { engineFor, problemsOf } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

/** The node's activity feed as a list. */
function memorySink(): ActivitySink & { events: ActivityEvent[] } {
  const events: ActivityEvent[] = [];
  return { events, emit: (event) => events.push(event) };
}

describe("declared events marked for export", () => {
  it("an accepted event with export: true goes to the activity sink with its sender, target and payload as accepted", async () => {
    const activity = memorySink();
    const { engine, clock } = await engineFor(
      {
        kick: {
          target: "room",
          export: true,
          modifiers: [{ enrich: { add: { by: "{$user.id}" } } }],
          actions: [{ notify_origin: { event: "kicked" } }],
        },
      },
      { activity },
    );
    clock.now = 5_000;
    const outcome = await engine.handle(
      { event: "kick", target: "lobby", payload: { user: "bob", by: "forged" } },
      new RecordingPorts(),
    );
    expect(outcome).toMatchObject({ ok: true, ts: 5_000 });
    expect(activity.events).toEqual([
      {
        kind: "event",
        name: "kick",
        target: "room:lobby",
        from: "alice",
        payload: { user: "bob", by: "alice" },
        ts: 5_000,
      },
    ]);
  });

  it("names a user target user:<id> and a missing target none", async () => {
    const activity = memorySink();
    const { engine } = await engineFor(
      { poke: { target: "user", export: true }, ping: { target: "none", export: true } },
      { activity },
    );
    const ports = new RecordingPorts();
    expect((await engine.handle({ event: "poke", target: "user:bob" }, ports)).ok).toBe(true);
    expect((await engine.handle({ event: "ping" }, ports)).ok).toBe(true);
    expect(activity.events.map((event) => event.kind === "event" && event.target)).toEqual([
      "user:bob",
      "none",
    ]);
  });

  it("emits nothing for an event not marked, nor for one refused or failing half way", async () => {
    const activity = memorySink();
    const { engine } = await engineFor(
      {
        quiet: { target: "room", actions: [{ notify_origin: { event: "ok" } }] },
        loud: {
          target: "room",
          export: true,
          allow: { roles: ["admin"] },
          actions: ["join"],
        },
        failing: { target: "room", export: true, actions: ["join"] },
      },
      { activity },
    );
    const ports = new RecordingPorts();
    ports.failures.add("join");
    expect((await engine.handle({ event: "quiet", target: "lobby" }, ports)).ok).toBe(true);
    expect(await engine.handle({ event: "loud", target: "lobby" }, ports)).toMatchObject({
      ok: false,
      refusal: { code: "forbidden" },
    });
    expect(await engine.handle({ event: "failing", target: "lobby" }, ports)).toMatchObject({
      ok: false,
      refusal: { code: "action_failed" },
    });
    expect(activity.events).toEqual([]);
  });

  it("refuses an export that is not a boolean", async () => {
    expect(await problemsOf({ a: { export: "yes" } })).toEqual([
      "/events/a/export: export is true (published to the AMQP exchange once accepted) or false",
    ]);
  });
});
