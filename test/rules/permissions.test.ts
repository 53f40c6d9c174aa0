import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/server/config/config-error.js";
import { defaultConfig } from "../../src/server/config/defaults.js";
import {
  type Actor,
  Permissions,
  type PermissionsConfig,
} from "../../src/server/rules/permissions.js";
import { MemoryRoleDirectory } from "../../src/server/rules/role-directory.js";

/** The permissions of zero configuration, as the schema defines them. */
const DEFAULT_PERMISSIONS = defaultConfig.permissions;
const OPEN_ROOMS = [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }];
const ALLOWED = { allowed: true };

function actor(userId: string, roles: string[] = [], claims: Record<string, unknown> = {}): Actor {
  return { userId, roles, claims };
}

function permissions(config: Partial<PermissionsConfig>, directory = new MemoryRoleDirectory()) {
  return new Permissions({ ...DEFAULT_PERMISSIONS, ...config }, directory);
}

describe("Permissions defaults", () => {
  const rules = new Permissions(DEFAULT_PERMISSIONS, new MemoryRoleDirectory());
  const anonymous = actor("anon-1");

  it("let any user, even one without roles, join, send to and read any room", () => {
    for (const action of ["join", "send", "history"] as const) {
      expect(rules.room(anonymous, action, "anything")).toEqual(ALLOWED);
    }
  });

  it("let any user write to any user", () => {
    expect(rules.direct(anonymous, "bob")).toEqual(ALLOWED);
  });

  it("let only admins broadcast", () => {
    expect(rules.broadcast(actor("alice", ["admin"]))).toEqual(ALLOWED);
    expect(rules.broadcast(anonymous)).toMatchObject({ allowed: false });
  });

  it("cannot be edited in place by a caller", () => {
    expect(() => DEFAULT_PERMISSIONS.broadcast.push("tenant")).toThrow(TypeError);
  });
});

describe("Permissions for rooms", () => {
  const rules = permissions({
    rooms: [
      { match: "staff-open", join: ["*"], send: ["*"], history: ["*"] },
      { match: "staff-*", join: ["admin"], send: ["admin", "landlord"], history: [] },
      { match: "lobby-*", join: ["*"], send: ["*"], history: ["*"] },
    ],
  });
  const tenant = actor("tina", ["tenant"]);

  it("lets the first entry whose glob matches decide", () => {
    expect(rules.room(tenant, "join", "staff-open")).toEqual(ALLOWED);
    expect(rules.room(tenant, "join", "staff-1")).toMatchObject({ allowed: false });
  });

  it("admits an actor with any one of the listed roles", () => {
    expect(rules.room(actor("larry", ["tenant", "landlord"]), "send", "staff-1")).toEqual(ALLOWED);
  });

  it("names the deciding entry, its glob and the roles in a refusal", () => {
    expect(rules.room(tenant, "join", "staff-1")).toEqual({
      allowed: false,
      rule: "permissions.rooms[1]",
      message: 'permissions.rooms[1] ("staff-*") lets roles admin join; you have roles tenant.',
    });
  });

  it("says when an entry lets no one act and when the actor has no roles", () => {
    expect(rules.room(actor("anon-1"), "history", "staff-1")).toMatchObject({
      message: 'permissions.rooms[1] ("staff-*") lets no one read its history; you have no roles.',
    });
  });

  it("closes a room that no entry matches, naming the room list", () => {
    expect(rules.room(actor("alice", ["admin"]), "join", "secret")).toEqual({
      allowed: false,
      rule: "permissions.rooms",
      message: 'permissions.rooms: no entry matches room "secret", so it is closed to everyone.',
    });
  });

  it("compiles the configuration once, so later edits to the object change nothing", () => {
    const live: PermissionsConfig = {
      ...DEFAULT_PERMISSIONS,
      rooms: [{ match: "x", join: ["admin"], send: [], history: [] }],
    };
    const compiled = new Permissions(live, new MemoryRoleDirectory());
    live.rooms[0]?.join.push("tenant");
    live.rooms.unshift(...OPEN_ROOMS);
    expect(compiled.room(tenant, "join", "x")).toMatchObject({ allowed: false });
    expect(compiled.room(tenant, "join", "y")).toMatchObject({ rule: "permissions.rooms" });
  });
});

describe("Permissions for direct mail", () => {
  const alice = actor("alice", ["staff"]);

  function only(to: string, directory = new MemoryRoleDirectory()) {
    return permissions({ direct: [{ from: ["*"], to: [to] }] }, directory);
  }

  it('lets "*" reach anyone', () => {
    expect(only("*").direct(alice, "whoever")).toEqual(ALLOWED);
  });

  it('lets "self" reach only the sender', () => {
    expect(only("self").direct(alice, "alice")).toEqual(ALLOWED);
    expect(only("self").direct(alice, "bob")).toMatchObject({ allowed: false });
  });

  it('lets "user:<glob>" reach the recipients whose id matches', () => {
    const rules = only("user:support-*");
    expect(rules.direct(alice, "support-eu")).toEqual(ALLOWED);
    expect(rules.direct(alice, "bob")).toMatchObject({ allowed: false });
  });

  it('lets "role:<role>" reach a recipient the directory knows with that role', () => {
    const directory = new MemoryRoleDirectory();
    directory.remember("root", ["admin"]);
    directory.remember("bob", ["tenant"]);
    const rules = only("role:admin", directory);
    expect(rules.direct(alice, "root")).toEqual(ALLOWED);
    expect(rules.direct(alice, "bob")).toMatchObject({ allowed: false });
  });

  it("gives a recipient the directory does not know no roles, until they authenticate", () => {
    const directory = new MemoryRoleDirectory();
    const rules = only("role:admin", directory);
    expect(rules.direct(alice, "root")).toMatchObject({ allowed: false });
    directory.remember("root", ["admin"]);
    expect(rules.direct(alice, "root")).toEqual(ALLOWED);
  });

  it("judges a mail to oneself by the sender's current roles", () => {
    expect(only("role:staff").direct(alice, "alice")).toEqual(ALLOWED);
  });

  it('lets "claim:<name>" reach the id in a string claim', () => {
    const tina = actor("tina", [], { landlord: "larry" });
    expect(only("claim:landlord").direct(tina, "larry")).toEqual(ALLOWED);
    expect(only("claim:landlord").direct(tina, "lena")).toMatchObject({ allowed: false });
  });

  it('lets "claim:<name>" reach any id in an array claim', () => {
    const larry = actor("larry", [], { tenants: ["tina", "tom"] });
    expect(only("claim:tenants").direct(larry, "tom")).toEqual(ALLOWED);
    expect(only("claim:tenants").direct(larry, "tess")).toMatchObject({ allowed: false });
  });

  it('refuses "claim:<name>" when the claim is missing or not ids', () => {
    expect(only("claim:tenants").direct(actor("x"), "tina")).toMatchObject({ allowed: false });
    const odd = actor("x", [], { tenants: { tina: true }, n: 7 });
    expect(only("claim:tenants").direct(odd, "tina")).toMatchObject({ allowed: false });
    expect(only("claim:n").direct(odd, "7")).toMatchObject({ allowed: false });
  });

  it("needs the sender to match the from roles of the same entry as the target", () => {
    const rules = permissions({
      direct: [
        { from: ["admin"], to: ["*"] },
        { from: ["tenant"], to: ["user:help"] },
      ],
    });
    expect(rules.direct(actor("tina", ["tenant"]), "help")).toEqual(ALLOWED);
    expect(rules.direct(actor("tina", ["tenant"]), "bob")).toEqual({
      allowed: false,
      rule: "permissions.direct",
      message: "permissions.direct: no rule lets roles tenant write to bob.",
    });
    expect(rules.direct(actor("anon-1"), "help")).toMatchObject({
      message: "permissions.direct: no rule lets a user without roles write to help.",
    });
  });

  it("refuses all mail when the list is empty", () => {
    expect(permissions({ direct: [] }).direct(alice, "bob")).toMatchObject({ allowed: false });
  });
});

describe("Permissions for broadcast", () => {
  it("lets any of the listed roles broadcast and names the rule in a refusal", () => {
    const rules = permissions({ broadcast: ["admin", "ops"] });
    expect(rules.broadcast(actor("o", ["ops"]))).toEqual(ALLOWED);
    expect(rules.broadcast(actor("t", ["tenant"]))).toEqual({
      allowed: false,
      rule: "permissions.broadcast",
      message: "permissions.broadcast lets roles admin, ops broadcast; you have roles tenant.",
    });
  });

  it('lets everyone broadcast with "*", and no one with an empty list', () => {
    expect(permissions({ broadcast: ["*"] }).broadcast(actor("anon-1"))).toEqual(ALLOWED);
    expect(permissions({ broadcast: [] }).broadcast(actor("a", ["admin"]))).toMatchObject({
      message: "permissions.broadcast lets no one broadcast; you have roles admin.",
    });
  });
});

describe("Permissions configuration", () => {
  function build(config: unknown): Permissions {
    // The config arrives from YAML; these cases are what the type would not let through.
    return new Permissions(config as PermissionsConfig, new MemoryRoleDirectory());
  }

  it("refuses an unknown direct target, naming its path and the forms it accepts", () => {
    const config = { ...DEFAULT_PERMISSIONS, direct: [{ from: ["*"], to: ["*", "group:x"] }] };
    expect(() => build(config)).toThrow(ConfigError);
    expect(() => build(config)).toThrow(
      'Invalid configuration at /permissions/direct/0/to/1: unknown target "group:x"; expected "*", "self", "user:<glob>", "role:<role>" or "claim:<name>"',
    );
  });

  it.each([
    ["an empty argument", "user:", /\/to\/0: unknown target "user:"/],
    ["a bare word", "admins", /unknown target "admins"/],
    ["a non-string", 7, /unknown target 7/],
    ["role:* mistaken for a wildcard", "role:*", /"role:\*" is not a wildcard; use "\*"/],
  ])("refuses a direct target that is %s", (_, target, message) => {
    expect(() =>
      build({ ...DEFAULT_PERMISSIONS, direct: [{ from: ["*"], to: [target] }] }),
    ).toThrow(message);
  });

  it("refuses a room entry after a catch-all, which could never apply", () => {
    const rooms = [...OPEN_ROOMS, { match: "staff-*", join: ["admin"], send: [], history: [] }];
    expect(() => build({ ...DEFAULT_PERMISSIONS, rooms })).toThrow(
      /\/permissions\/rooms\/1: this entry can never apply: permissions\.rooms\[0\] \("\*"\)/,
    );
  });

  it("refuses wrong shapes by path instead of failing later", () => {
    expect(() => build({ ...DEFAULT_PERMISSIONS, broadcast: "admin" })).toThrow(
      "/permissions/broadcast: expected a list",
    );
    expect(() => build({ ...DEFAULT_PERMISSIONS, rooms: [null] })).toThrow(
      "/permissions/rooms/0: expected a mapping",
    );
    expect(() =>
      build({ ...DEFAULT_PERMISSIONS, rooms: [{ match: "", join: [], send: [], history: [] }] }),
    ).toThrow("/permissions/rooms/0/match");
    expect(() =>
      build({ ...DEFAULT_PERMISSIONS, rooms: [{ ...OPEN_ROOMS[0], send: ["admin", ""] }] }),
    ).toThrow("/permissions/rooms/0/send/1: expected a role name");
    expect(() => build({ ...DEFAULT_PERMISSIONS, direct: [{ to: ["*"] }] })).toThrow(
      "/permissions/direct/0/from: expected a list",
    );
  });
});
