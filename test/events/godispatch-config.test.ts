import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { EventRulesError } from "../../src/server/compose/event-rules.js";
import { loadNodeConfig } from "../../src/server/compose/load-node-config.js";
import { ConfigError } from "../../src/server/config/config-error.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

const fixture = fileURLToPath(new URL("./fixtures/godispatch-config.yaml", import.meta.url));

describe("GoDispatch's own config.yaml", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function loaded() {
    dir = await mkdtemp(join(tmpdir(), "postoffice-godispatch-"));
    await cp(fixture, join(dir, "postoffice.yaml"));
    const { config } = await loadConfig({ cwd: dir, env: {}, flags: {} });
    return config;
  }

  /** The fixture with `tail` in place of its last line (`permissions:`), loaded as `start` does. */
  async function loadedWith(tail: string) {
    dir = await mkdtemp(join(tmpdir(), "postoffice-godispatch-"));
    const text = (await readFile(fixture, "utf8")).replace(/^permissions:\s*$/m, tail);
    await writeFile(join(dir, "postoffice.yaml"), text);
    return loadNodeConfig({ cwd: dir, env: {}, flags: {} });
  }

  it("reads a list of permissions as the names a token's perms may carry, Postoffice's mapping at its defaults", async () => {
    const { config } = await loadedWith("permissions: [kick_user, ban]");
    expect(config.permissions.names).toEqual(["kick_user", "ban"]);
    expect(config.permissions.broadcast).toEqual(["admin"]);
  });

  it("refuses an event that asks for a permission the list does not declare, with its line", async () => {
    // An event added at the end of GoDispatch's events, then its list.
    const refused = await loadedWith(
      [
        "  kick:",
        "    allow: { claims: { perms: [kick_usr] } }",
        "    actions: [log]",
        "permissions: [kick_user]",
      ].join("\n"),
    ).catch((thrown: unknown) => thrown);
    expect(refused).toBeInstanceOf(EventRulesError);
    expect((refused as EventRulesError).lines).toEqual([
      expect.stringMatching(
        /^postoffice\.yaml:\d+: \/events\/kick\/allow\/claims\/perms: kick_usr is not among the declared permissions/,
      ),
    ]);
  });

  it("still refuses Postoffice's own keys written without a value", async () => {
    const refused = await loadedWith("server:").catch((thrown: unknown) => thrown);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).path).toBe("/server");
  });

  it("loads unchanged through the configuration loader, its empty permissions leaving Postoffice's defaults", async () => {
    const config = await loaded();
    expect(Object.keys(config.events ?? {})).toEqual(["join_room", "leave_room", "send_message"]);
    expect(config.permissions.rooms).toEqual([
      { match: "*", join: ["*"], send: ["*"], history: ["*"] },
    ]);
    await expect(engineFor(config.events)).resolves.toBeDefined();
  });

  it("join_room joins the sender's connection, answers the origin, tells the room and logs, as its client expects", async () => {
    const { engine, logs } = await engineFor((await loaded()).events);
    const ports = new RecordingPorts();
    const outcome = await engine.handle(
      { event: "join_room", target: "room:global", payload: { name: 'Al "the" <b>ice</b>' } },
      ports,
    );
    expect(outcome.ok).toBe(true);
    expect(ports.calls).toEqual([
      { op: "join", room: "room:global" },
      {
        op: "notifyOrigin",
        notice: { event: "join_success", payload: { room: "room:global", status: "ok" } },
      },
      {
        op: "notifyRoom",
        room: "room:global",
        notice: {
          event: "user_joined",
          payload: { user: { id: "alice", name: 'Al "the" <b>ice</b>' } },
        },
      },
    ]);
    expect(logs.find((line) => line.msg === "User alice joined room room:global")).toMatchObject({
      event: "join_room",
      user: "alice",
    });
  });

  it("send_message passes a quote intact and is rate limited at 10 a minute per user", async () => {
    const { engine, clock } = await engineFor((await loaded()).events);
    const ports = new RecordingPorts();
    ports.rooms.add("room:global");
    const message = 'He said "hi" \\ </script> ✓';
    for (let i = 0; i < 10; i++) {
      const outcome = await engine.handle(
        { event: "send_message", target: "room:global", payload: { message } },
        ports,
      );
      expect(outcome.ok).toBe(true);
    }
    expect(ports.calls[0]).toEqual({
      op: "notifyRoom",
      room: "room:global",
      notice: { event: "new_message", payload: { user: "alice", message } },
    });
    const limited = await engine.handle(
      { event: "send_message", target: "room:global", payload: { message } },
      ports,
    );
    expect(limited).toMatchObject({
      ok: false,
      refusal: { code: "rate_limited", retryAfterMs: 60_000 },
    });
    clock.now += 60_000;
    expect(
      (
        await engine.handle(
          { event: "send_message", target: "room:global", payload: { message } },
          ports,
        )
      ).ok,
    ).toBe(true);
  });

  it("leave_room leaves, then still tells the room it left", async () => {
    const { engine } = await engineFor((await loaded()).events);
    const ports = new RecordingPorts();
    ports.rooms.add("room:global");
    const outcome = await engine.handle({ event: "leave_room", target: "room:global" }, ports);
    expect(outcome.ok).toBe(true);
    expect(ports.calls.map((call) => call.op)).toEqual(["leave", "notifyRoom"]);
    expect(ports.calls[1]).toMatchObject({
      notice: { event: "user_left", payload: { user: "alice", room: "room:global" } },
    });
  });

  it("refuses a message whose payload lacks the path its template names, instead of stopping silently", async () => {
    const { engine } = await engineFor((await loaded()).events);
    const ports = new RecordingPorts();
    ports.rooms.add("room:global");
    const outcome = await engine.handle(
      { event: "send_message", target: "room:global", payload: {} },
      ports,
    );
    expect(outcome).toMatchObject({
      ok: false,
      refusal: { code: "template_path_missing", pointer: "/payload/message" },
    });
    expect(ports.calls).toEqual([]);
  });
});
