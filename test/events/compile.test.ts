import { describe, expect, it } from "vitest";
import { problemsOf } from "./engine-fixture.js";

describe("compiling events: every problem at start, with its key", () => {
  it("names an unknown action or modifier, and a step listed under the wrong kind", async () => {
    expect(
      await problemsOf({
        a: { actions: [{ name: "_notify_everyone", params: [] }] },
        b: { modifiers: ["throttle"], actions: [{ rate_limit: "1/s" }] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\/events\/a\/actions\/0: unknown action "_notify_everyone" \(known: join, leave, notify_room/,
      ),
      expect.stringMatching(/^\/events\/b\/modifiers\/0: unknown modifier "throttle"/),
      "/events/b/actions/0/rate_limit: rate_limit is a modifier, not an action: list it under modifiers",
    ]);
  });

  it("names a bad template at the parameter that holds it, inside GoDispatch's JSON text too", async () => {
    expect(
      await problemsOf({
        a: { actions: [{ notify_room: { event: "x", payload: { m: "{.payload.message" } } }] },
        b: { actions: [{ name: "_notify_room", params: ["x", '{"m": "{.payload.m}"'] }] },
        c: { actions: [{ name: "_log", params: ["{$user.name}"] }] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\/events\/a\/actions\/0\/notify_room\/payload\/m: "\{\.payload\.message" opens a placeholder/,
      ),
      expect.stringMatching(
        /^\/events\/b\/actions\/0\/params: _notify_room's payload .* is not JSON with placeholders/,
      ),
      expect.stringMatching(
        /^\/events\/c\/actions\/0\/params\/message: \{\$user\.name\} is not a known placeholder/,
      ),
    ]);
  });

  it("names bad parameters: unknown, missing, of the wrong type, fixed ones given a placeholder", async () => {
    expect(
      await problemsOf({
        a: { modifiers: [{ rate_limit: "10/x" }, { rate_limit: { rate: "1/m", per: "user" } }] },
        b: { actions: [{ notify_origin: {} }, { webhook: { url: "{.payload.url}" } }] },
        c: {
          actions: [
            { log: { level: "debug" } },
            { name: "_join", params: ["{.payload.user}", "{$target.id}"] },
          ],
        },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\/events\/a\/modifiers\/0\/rate_limit\/rate: rate: "10\/x" is not of the form `<count>\/<window>`/,
      ),
      '/events/a/modifiers/1/rate_limit/per: rate_limit has no parameter "per" (known: rate, by)',
      "/events/b/actions/0/notify_origin: notify_origin needs the parameter event",
      "/events/b/actions/1/webhook/url: webhook's url is fixed in the configuration: it takes no placeholders",
      expect.stringMatching(
        /^\/events\/c\/actions\/0\/log\/level: level: must be equal to one of the allowed values \("info", "warn"\)/,
      ),
      expect.stringMatching(
        /^\/events\/c\/actions\/1\/params: _join acts for the sender's connection only/,
      ),
    ]);
  });

  it("names a bad JSON Schema", async () => {
    expect(
      await problemsOf({
        a: { payload: { type: "objekt" } },
        b: { modifiers: [{ validate: { schema: { pattern: "(" } } }] },
      }),
    ).toEqual([
      expect.stringMatching(/^\/events\/a\/payload: not a valid JSON Schema \(ajv: /),
      expect.stringMatching(/^\/events\/b\/modifiers\/0\/validate: not a valid JSON Schema/),
    ]);
  });

  it("names unreachable events: a name clients cannot send, no one allowed, membership of a user target, secure without keys", async () => {
    expect(
      await problemsOf({
        "has space": {},
        nobody: { allow: { roles: [] } },
        dm: { target: "user", allow: { member: true } },
        vip: { modifiers: ["secure"] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\/events\/has space: unreachable: clients cannot send an event named "has space"/,
      ),
      "/events/nobody/allow/roles: unreachable: allow.roles is empty, so no one may send this event",
      "/events/dm/allow: unreachable: member needs a room target, and this event takes user",
      expect.stringMatching(
        /^\/events\/vip\/modifiers\/0: secure checks tokens with auth.jwt, which has no key here/,
      ),
    ]);
  });

  it("names bad target patterns and placeholders the target can never give", async () => {
    expect(
      await problemsOf({
        a: { target: { kind: "room", match: ["lobby-*", "bad room", "user:*"] } },
        b: { target: "none", actions: [{ notify_room: { event: "x" } }] },
        c: { target: "room", actions: [{ mail: {} }] },
        d: { target: "channel" },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\/events\/a\/target\/match\/1: bad pattern "bad room": it can never match a room name/,
      ),
      "/events/a/target/match/2: unreachable: user:* names users (user:<id>), never rooms",
      "/events/b/actions/0/notify_room: {$target.id}: this event takes no target",
      "/events/c/actions/0/mail: {$target.user}: this event's target is never a user (target: room)",
      expect.stringMatching(
        /^\/events\/d\/target: target "channel" is not one of any, room, user, none, optional/,
      ),
    ]);
  });

  it("checks {$token.<claim>} at start: it needs a secure modifier before it, and one of its claims", async () => {
    const tokens = { verify: async () => ({}) };
    expect(
      await problemsOf(
        {
          a: { actions: [{ reply: { payload: "{$token.room_id}" } }] },
          b: {
            modifiers: [{ secure: { claims: ["room"] } }],
            actions: [{ reply: { payload: "{$token.room_id}" } }],
          },
          c: { modifiers: ["secure"], actions: [{ reply: { payload: "{$token.room_id}" } }] },
        },
        { tokens },
      ),
    ).toEqual([
      "/events/a/actions/0/reply: {$token.room_id} reads the token that a secure modifier checks; this event has none before this step",
      "/events/b/actions/0/reply: {$token.room_id}: secure requires only the claims room; add room_id to them",
    ]);
  });

  it("refuses unknown keys, a step naming two things, and a second reply", async () => {
    expect(
      await problemsOf({
        a: { action: [] },
        b: { actions: [{ join: {}, log: {} }] },
        c: { actions: [{ reply: {} }, { webhook: { url: "http://127.0.0.1/x", use: "reply" } }] },
      }),
    ).toEqual([
      "/events/a/action: unknown key (an event has description, target, allow, payload, modifiers, actions, export)",
      "/events/b/actions/0: a step names one action or modifier: {join, log} names 2; write one step per list item",
      "/events/c/actions/1/webhook: an event has one reply: an earlier step already sets it",
    ]);
  });
});
