import { ROOM_NAME } from "../../../protocol/index.js";
import { globToRegExp } from "../../rules/glob.js";
import { USER_PREFIX } from "../actions/room-actions.js";
import type { EventTarget } from "../templates/template-scope.js";
import type { Problem } from "./problem.js";

/**
 * What an event takes as `target`: `any` a room or `user:<id>` (GoDispatch's events, and the
 * default), `room`, `user`, `none`, or `optional` (a room, a user, or nothing).
 */
export type TargetKind = "any" | "room" | "user" | "none" | "optional";

const KINDS: readonly TargetKind[] = ["any", "room", "user", "none", "optional"];

export interface TargetRule {
  kind: TargetKind;
  /** For `room`: globs the room must match (`lobby-*`); empty for any room. */
  match: readonly RegExp[];
}

/** The longest user id a target may name, as the protocol's other ids. */
const MAX_USER_ID = 256;

// A glob can only ever match a room name if it is made of what room names are made of.
const ROOM_GLOB = /^[A-Za-z0-9._:*-]{1,64}$/;

/** `target:` as written: a kind, or `{kind, match}`. */
export function compileTarget(value: unknown, pointer: string, problems: Problem[]): TargetRule {
  if (value === undefined || value === null) return { kind: "any", match: [] };
  if (typeof value === "string") {
    if ((KINDS as readonly string[]).includes(value))
      return { kind: value as TargetKind, match: [] };
    problems.push({
      pointer,
      message: `target ${JSON.stringify(value)} is not one of ${KINDS.join(", ")} (or {kind: room, match: <glob>})`,
    });
    return { kind: "any", match: [] };
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({
      pointer,
      message: "target is a kind (any, room, user, none, optional) or {kind: room, match: <glob>}",
    });
    return { kind: "any", match: [] };
  }
  const { kind, match, ...rest } = value as Record<string, unknown>;
  for (const key of Object.keys(rest))
    problems.push({ pointer: `${pointer}/${key}`, message: "target has only kind and match" });
  const rule = compileTarget(kind ?? "room", `${pointer}/kind`, problems);
  if (match === undefined) return rule;
  if (rule.kind !== "room") {
    problems.push({
      pointer: `${pointer}/match`,
      message: "match names rooms: it needs kind: room",
    });
    return rule;
  }
  const globs = Array.isArray(match) ? match : [match];
  const compiled: RegExp[] = [];
  globs.forEach((glob, i) => {
    const at = Array.isArray(match) ? `${pointer}/match/${i}` : `${pointer}/match`;
    if (typeof glob !== "string" || !ROOM_GLOB.test(glob)) {
      problems.push({
        pointer: at,
        message: `bad pattern ${JSON.stringify(glob)}: it can never match a room name (letters, digits, '.', '_', ':', '-', and * for any run)`,
      });
    } else if (glob.startsWith(USER_PREFIX)) {
      problems.push({
        pointer: at,
        message: `unreachable: ${glob} names users (user:<id>), never rooms`,
      });
    } else {
      compiled.push(globToRegExp(glob));
    }
  });
  return { kind: "room", match: compiled };
}

/** The target of one event, or why it does not fit the rule. */
export function readTarget(
  raw: string | undefined,
  rule: TargetRule,
): EventTarget | undefined | string {
  if (raw === undefined || raw === "") {
    return rule.kind === "none" || rule.kind === "optional"
      ? undefined
      : `needs a target (${describe(rule)})`;
  }
  if (rule.kind === "none") return "takes no target";
  if (raw.startsWith(USER_PREFIX)) {
    const user = raw.slice(USER_PREFIX.length);
    if (rule.kind === "room") return `takes a room, not a user`;
    if (user === "" || user.length > MAX_USER_ID) return `target ${raw.slice(0, 80)} names no user`;
    return { id: raw, user };
  }
  if (rule.kind === "user") return "takes a user (user:<id>), not a room";
  if (!ROOM_NAME.test(raw))
    return `target ${JSON.stringify(raw.slice(0, 80))} is not a room name or user:<id>`;
  if (rule.match.length > 0 && !rule.match.some((glob) => glob.test(raw))) {
    return `does not take the room ${raw}`;
  }
  return { id: raw, room: raw };
}

function describe(rule: TargetRule): string {
  switch (rule.kind) {
    case "any":
    case "optional":
      return "a room or user:<id>";
    case "room":
      return "a room";
    case "user":
      return "user:<id>";
    case "none":
      return "none";
  }
}
