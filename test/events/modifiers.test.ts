import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/protocol/index.js";
import { hmacKey, JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";
import { tokenVerifierOf } from "../../src/server/events/token-verifier.js";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

const SECRET = "a-very-secret-key-from-env-file";
const tokens = tokenVerifierOf(new JwtAuthenticator({ secret: SECRET }));

function sign(claims: Record<string, unknown>, expiresIn = "5m"): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("backend")
    .setExpirationTime(expiresIn)
    .sign(hmacKey(SECRET));
}

describe("built-in modifiers", () => {
  it("rate_limit counts per user by default, and per connection, target or event when told", async () => {
    const { engine, clock } = await engineFor({
      byUser: { target: "optional", modifiers: [{ rate_limit: "2/10s" }], actions: [] },
      byConn: {
        target: "optional",
        modifiers: [{ rate_limit: { rate: "1/m", by: "connection" } }],
      },
      byTarget: { modifiers: [{ name: "rate_limit", params: ["1/h", "target"] }] },
      byEvent: { target: "optional", modifiers: [{ rate_limit: { rate: "1/1s", by: "event" } }] },
    });
    const alice = new RecordingPorts();
    const otherTab = new RecordingPorts({ ...alice.sender, connectionId: "conn-2" });
    const bob = new RecordingPorts({ ...alice.sender, userId: "bob", connectionId: "conn-3" });
    const send = (ports: RecordingPorts, event: string, target?: string) =>
      engine.handle(target === undefined ? { event } : { event, target }, ports);

    expect((await send(alice, "byUser")).ok).toBe(true);
    expect((await send(otherTab, "byUser")).ok).toBe(true);
    expect(await send(alice, "byUser")).toMatchObject({
      ok: false,
      refusal: { code: "rate_limited", retryAfterMs: 10_000 },
    });
    expect((await send(bob, "byUser")).ok).toBe(true);

    expect((await send(alice, "byConn")).ok).toBe(true);
    expect((await send(otherTab, "byConn")).ok).toBe(true);
    expect((await send(alice, "byConn")).ok).toBe(false);

    expect((await send(alice, "byTarget", "lobby")).ok).toBe(true);
    expect((await send(bob, "byTarget", "lobby")).ok).toBe(false);
    expect((await send(bob, "byTarget", "other")).ok).toBe(true);

    expect((await send(alice, "byEvent")).ok).toBe(true);
    expect((await send(bob, "byEvent")).ok).toBe(false);
    clock.now += 1_000;
    expect((await send(bob, "byEvent")).ok).toBe(true);
  });

  it("require lets through a role, claims such as perms, and members of the target room", async () => {
    const { engine } = await engineFor({
      kick: {
        modifiers: [
          { require: { roles: ["mod", "admin"], claims: { perms: ["kick_user"] }, member: true } },
        ],
      },
    });
    const ports = (roles: string[], perms: unknown) =>
      new RecordingPorts({ userId: "u", roles, claims: { perms }, connectionId: "c" });
    const member = ports(["mod"], ["kick_user", "ban_user"]);
    member.rooms.add("lobby");
    expect((await engine.handle({ event: "kick", target: "lobby" }, member)).ok).toBe(true);
    const refused = async (p: RecordingPorts) =>
      (await engine.handle({ event: "kick", target: "lobby" }, p)) as {
        ok: false;
        refusal: { code: string; message: string; reason: string };
      };
    const noRole = await refused(ports(["member"], ["kick_user"]));
    expect(noRole.refusal).toMatchObject({
      code: "forbidden",
      reason: "events.kick.modifiers[0] (require)",
    });
    expect(noRole.refusal.message).toMatch(/roles mod, admin/);
    expect((await refused(ports(["admin"], "ban_user"))).refusal.message).toMatch(
      /kick_user in the claim perms/,
    );
    expect((await refused(ports(["admin"], "kick_user"))).refusal.message).toMatch(
      /a room you are in/,
    );
  });

  it("allow is require run first, with the event as its reason", async () => {
    const { engine } = await engineFor({
      admin_only: {
        target: "none",
        allow: { roles: ["admin"] },
        actions: [{ broadcast: { event: "x" } }],
      },
    });
    const ports = new RecordingPorts();
    expect(await engine.handle({ event: "admin_only" }, ports)).toMatchObject({
      ok: false,
      refusal: { code: "forbidden", reason: "events.admin_only.allow" },
    });
    expect(ports.calls).toEqual([]);
  });

  it("validate and payload refuse a payload that breaks the schema, with the pointer of the first failure", async () => {
    const { engine } = await engineFor({
      chat: {
        payload: {
          type: "object",
          properties: { text: { type: "string", maxLength: 5 } },
          required: ["text"],
        },
        modifiers: [
          { transform: { payload: { text: "{.payload.text}", n: 1 } } },
          { validate: { schema: { properties: { n: { const: 2 } } } } },
        ],
      },
    });
    const ports = new RecordingPorts();
    expect(
      await engine.handle({ event: "chat", target: "lobby", payload: { text: "too long" } }, ports),
    ).toMatchObject({
      ok: false,
      refusal: {
        code: "schema_violation",
        pointer: "/payload/text",
        reason: "events.chat.payload",
      },
    });
    expect(
      await engine.handle({ event: "chat", target: "lobby", payload: { text: "ok" } }, ports),
    ).toMatchObject({
      ok: false,
      refusal: {
        code: "schema_violation",
        pointer: "/payload/n",
        reason: "events.chat.modifiers[1] (validate)",
      },
    });
  });

  it("transform replaces the payload and enrich adds the sender, overwriting what the client claimed", async () => {
    const { engine } = await engineFor({
      chat: {
        modifiers: [
          { transform: { payload: { text: "{.payload.t}", sender: "{.payload.sender}" } } },
          "enrich",
        ],
        actions: [{ notify_room: { event: "said" } }],
      },
    });
    const ports = new RecordingPorts();
    ports.rooms.add("lobby");
    await engine.handle(
      { event: "chat", target: "lobby", payload: { t: "hi", sender: "mallory", extra: 1 } },
      ports,
    );
    expect(ports.calls[0]).toMatchObject({ notice: { payload: { text: "hi", sender: "alice" } } });
  });

  it("enrich refuses a payload that is not a mapping", async () => {
    const { engine } = await engineFor({ chat: { modifiers: ["enrich"] } });
    expect(
      await engine.handle({ event: "chat", target: "lobby", payload: [1] }, new RecordingPorts()),
    ).toMatchObject({
      refusal: { code: "schema_violation", pointer: "/payload" },
    });
  });

  it("secure checks the JWT in payload.token with auth.jwt, exposes its claims and takes it out of the payload", async () => {
    const { engine } = await engineFor(
      {
        join_private_room: {
          target: "none",
          modifiers: [{ name: "secure" }],
          actions: [
            { name: "_notify_origin", params: ["join_success", '{"room": "{$token.room_id}"}'] },
            { notify_origin: { event: "payload" } },
          ],
        },
      },
      { tokens },
    );
    const ports = new RecordingPorts();
    const token = await sign({ room_id: "vip" });
    expect(
      (await engine.handle({ event: "join_private_room", payload: { token, keep: 1 } }, ports)).ok,
    ).toBe(true);
    expect(ports.calls).toEqual([
      { op: "notifyOrigin", notice: { event: "join_success", payload: { room: "vip" } } },
      { op: "notifyOrigin", notice: { event: "payload", payload: { keep: 1 } } },
    ]);
    const expired = await sign({ room_id: "vip" }, "-1m");
    for (const payload of [{}, { token: expired }, { token: "not-a-jwt" }] as JsonObject[]) {
      expect(await engine.handle({ event: "join_private_room", payload }, ports)).toMatchObject({
        ok: false,
        refusal: { code: "forbidden", reason: "events.join_private_room.modifiers[0] (secure)" },
      });
    }
    const noClaim = await sign({});
    expect(
      await engine.handle({ event: "join_private_room", payload: { token: noClaim } }, ports),
    ).toMatchObject({
      ok: false,
      refusal: { code: "template_path_missing", pointer: "/token/room_id" },
    });
  });

  it("secure with claims refuses a token without them before any action", async () => {
    const { engine } = await engineFor(
      {
        vip: {
          target: "none",
          modifiers: [{ secure: { claims: ["room_id"] } }],
          actions: [{ reply: { payload: "{$token.room_id}" } }],
        },
      },
      { tokens },
    );
    const outcome = await engine.handle(
      { event: "vip", payload: { token: await sign({ other: 1 }) } },
      new RecordingPorts(),
    );
    expect(outcome).toMatchObject({ ok: false, refusal: { code: "forbidden" } });
    expect((outcome as { refusal: { message: string } }).refusal.message).toMatch(
      /no claim room_id/,
    );
  });
});
