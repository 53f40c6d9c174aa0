import { ConfigError } from "../config/config-error.js";
import { globToRegExp } from "./glob.js";
import type { PermissionsConfig } from "./permissions-config.js";
import type { RoleDirectory } from "./role-directory.js";

export type { PermissionsConfig } from "./permissions-config.js";

export type RoomAction = "join" | "send" | "history";

/** A refusal names the config path that decided it, so an operator can find and change it. */
export type Decision = { allowed: true } | { allowed: false; rule: string; message: string };

/** The one acting: the session's identity, never fields of a client frame. */
export interface Actor {
  userId: string;
  roles: readonly string[];
  claims: Record<string, unknown>;
}

const ALLOWED: Decision = Object.freeze({ allowed: true });
const TARGET_FORMS = `"*", "self", "user:<glob>", "role:<role>" or "claim:<name>"`;

/** A role list, compiled: `"*"` admits any authenticated user. */
interface RoleList {
  anyone: boolean;
  roles: ReadonlySet<string>;
}

type Target =
  | { kind: "anyone" }
  | { kind: "self" }
  | { kind: "user"; pattern: RegExp }
  | { kind: "role"; role: string }
  | { kind: "claim"; name: string };

interface RoomEntry {
  rule: string;
  match: string;
  pattern: RegExp;
  actions: Record<RoomAction, RoleList>;
}

interface DirectEntry {
  from: RoleList;
  to: Target[];
}

/**
 * Decides whether an actor may join, send to or read a room, write to a user, or broadcast.
 * Pure: no I/O, no clock; the router asks and turns a refusal into a `forbidden` error.
 * The configuration is checked and compiled once, here, so a bad one stops the start.
 */
export class Permissions {
  readonly #rooms: RoomEntry[];
  readonly #direct: DirectEntry[];
  readonly #broadcast: RoleList;
  readonly #directory: RoleDirectory;

  constructor(config: PermissionsConfig, directory: RoleDirectory) {
    this.#rooms = compileRooms(config.rooms);
    this.#direct = listAt(config.direct, "/permissions/direct").map((value, i) => {
      const entry = fieldsAt(value, `/permissions/direct/${i}`);
      return {
        from: roleList(entry.from, `/permissions/direct/${i}/from`),
        to: listAt(entry.to, `/permissions/direct/${i}/to`).map((target, j) =>
          parseTarget(target, `/permissions/direct/${i}/to/${j}`),
        ),
      };
    });
    this.#broadcast = roleList(config.broadcast, "/permissions/broadcast");
    this.#directory = directory;
  }

  room(actor: Actor, action: RoomAction, room: string): Decision {
    const entry = this.#rooms.find((candidate) => candidate.pattern.test(room));
    if (entry === undefined) {
      return refuse(
        "permissions.rooms",
        `permissions.rooms: no entry matches room ${JSON.stringify(room)}, so it is closed to everyone.`,
      );
    }
    const allowed = entry.actions[action];
    if (admits(allowed, actor.roles)) return ALLOWED;
    return refuse(
      entry.rule,
      `${entry.rule} (${JSON.stringify(entry.match)}) lets ${who(allowed)} ${verb(action)}; ${yours(actor.roles)}.`,
    );
  }

  broadcast(actor: Actor): Decision {
    if (admits(this.#broadcast, actor.roles)) return ALLOWED;
    return refuse(
      "permissions.broadcast",
      `permissions.broadcast lets ${who(this.#broadcast)} broadcast; ${yours(actor.roles)}.`,
    );
  }

  direct(actor: Actor, to: string): Decision {
    for (const entry of this.#direct) {
      if (!admits(entry.from, actor.roles)) continue;
      if (entry.to.some((target) => this.#reaches(target, actor, to))) return ALLOWED;
    }
    const sender =
      actor.roles.length === 0 ? "a user without roles" : `roles ${actor.roles.join(", ")}`;
    return refuse(
      "permissions.direct",
      `permissions.direct: no rule lets ${sender} write to ${to}.`,
    );
  }

  #reaches(target: Target, actor: Actor, to: string): boolean {
    switch (target.kind) {
      case "anyone":
        return true;
      case "self":
        return to === actor.userId;
      case "user":
        return target.pattern.test(to);
      case "role": {
        // The actor's own roles are current; the directory's may be from an earlier login.
        const roles = to === actor.userId ? actor.roles : (this.#directory.rolesOf(to) ?? []);
        return roles.includes(target.role);
      }
      case "claim": {
        const claim = actor.claims[target.name];
        return claim === to || (Array.isArray(claim) && claim.includes(to));
      }
    }
  }
}

function compileRooms(rooms: unknown): RoomEntry[] {
  const entries: RoomEntry[] = [];
  for (const [i, value] of listAt(rooms, "/permissions/rooms").entries()) {
    const at = `/permissions/rooms/${i}`;
    const room = fieldsAt(value, at);
    if (typeof room.match !== "string" || room.match === "") {
      throw ConfigError.at(`${at}/match`, 'expected a non-empty room-name glob such as "staff-*"');
    }
    // First match wins, so an entry after a catch-all can never apply: almost surely a mistake
    // that leaves rooms open which the operator meant to close.
    const catchAll = entries.find((earlier) => /^\*+$/.test(earlier.match));
    if (catchAll !== undefined) {
      throw ConfigError.at(
        at,
        `this entry can never apply: ${catchAll.rule} ("${catchAll.match}") matches every room first; put catch-alls last`,
      );
    }
    entries.push({
      rule: `permissions.rooms[${i}]`,
      match: room.match,
      pattern: globToRegExp(room.match),
      actions: {
        join: roleList(room.join, `${at}/join`),
        send: roleList(room.send, `${at}/send`),
        history: roleList(room.history, `${at}/history`),
      },
    });
  }
  return entries;
}

// The config is typed, but it comes from YAML: a wrong shape is reported by path, not crashed on.
function listAt(value: unknown, pointer: string): unknown[] {
  if (!Array.isArray(value)) throw ConfigError.at(pointer, "expected a list");
  return value;
}

function fieldsAt(value: unknown, pointer: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw ConfigError.at(pointer, "expected a mapping");
  }
  return { ...value };
}

function roleList(value: unknown, pointer: string): RoleList {
  const roles = new Set<string>();
  for (const [i, role] of listAt(value, pointer).entries()) {
    if (typeof role !== "string" || role === "") {
      throw ConfigError.at(`${pointer}/${i}`, `expected a role name, or "*" for anyone`);
    }
    roles.add(role);
  }
  return { anyone: roles.has("*"), roles };
}

function parseTarget(value: unknown, pointer: string): Target {
  if (value === "*") return { kind: "anyone" };
  if (value === "self") return { kind: "self" };
  const text = typeof value === "string" ? value : "";
  const colon = text.indexOf(":");
  const argument = text.slice(colon + 1);
  if (colon > 0 && argument !== "") {
    switch (text.slice(0, colon)) {
      case "user":
        return { kind: "user", pattern: globToRegExp(argument) };
      case "role":
        // `role:*` reads like "any role" but would look for a role literally named `*`.
        if (argument === "*") throw ConfigError.at(pointer, `"role:*" is not a wildcard; use "*"`);
        return { kind: "role", role: argument };
      case "claim":
        return { kind: "claim", name: argument };
    }
  }
  const shown = JSON.stringify(value) ?? String(value);
  throw ConfigError.at(pointer, `unknown target ${shown}; expected ${TARGET_FORMS}`);
}

function admits(list: RoleList, roles: readonly string[]): boolean {
  return list.anyone || roles.some((role) => list.roles.has(role));
}

function who(list: RoleList): string {
  return list.roles.size === 0 ? "no one" : `roles ${[...list.roles].join(", ")}`;
}

function yours(roles: readonly string[]): string {
  return roles.length === 0 ? "you have no roles" : `you have roles ${roles.join(", ")}`;
}

function verb(action: RoomAction): string {
  switch (action) {
    case "join":
      return "join";
    case "send":
      return "send";
    case "history":
      return "read its history";
  }
}

function refuse(rule: string, message: string): Decision {
  return { allowed: false, rule, message };
}
