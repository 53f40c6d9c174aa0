import type { JsonValue } from "../../../protocol/index.js";
import { MissingPathError, type TemplateScope } from "./template-scope.js";

/**
 * `{$user.id}`, `{.payload.a.b}`: a sigil (`$` context, `.` the event), then dot-separated
 * segments of letters, digits, `_` and `-` (a digit segment indexes an array). The grammar of
 * GoDispatch's templates, without gjson's query syntax, which no one can check at start.
 */
export const PLACEHOLDER = /\{([$.])([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\}/g;

/** Text that opens a placeholder: `{$` or `{.` then a letter; if it does not parse, it is a typo. */
export const PLACEHOLDER_START = /\{[$.][A-Za-z]/;

/** What a placeholder needs from its event, so the compiler can tell at start whether it has it. */
export type PlaceholderNeed = "target" | "target-room" | "target-user" | "token";

export interface Placeholder {
  /** As written: `{$user.id}`. */
  source: string;
  need: PlaceholderNeed | undefined;
  /** For `{$token.<claim>}`: the claim, so `secure: {claims}` can be checked against it. */
  claim?: string;
  get(scope: TemplateScope): JsonValue;
}

/** Every name a placeholder may use, for the message that lists them. */
export const PLACEHOLDER_NAMES = [
  "{$user.id}",
  "{$user.roles}",
  "{$user.claims.<name>}",
  "{$conn.id}",
  "{$target.id}",
  "{$target.room}",
  "{$target.user}",
  "{$event.name}",
  "{$event.id}",
  "{$event.ts}",
  "{$token.<claim>}",
  "{.payload}",
  "{.payload.<path>}",
  "{.target}",
];

/** The placeholder for a sigil and path, or a problem in words. */
export function parsePlaceholder(sigil: string, path: string): Placeholder | string {
  const source = `{${sigil}${path}}`;
  const [root = "", ...rest] = path.split(".");
  const fixed = (need: PlaceholderNeed | undefined, get: Placeholder["get"]): Placeholder => ({
    source,
    need,
    get,
  });
  if (sigil === ".") {
    if (root === "payload") {
      if (rest.length === 0) return fixed(undefined, (scope) => scope.payload);
      return fixed(undefined, (scope) => walk(scope.payload, rest, source, "/payload"));
    }
    // GoDispatch's docs name {.target}; its code reads it from nowhere. It is the target's id.
    if (path === "target") return fixed("target", targetId);
    return `${source}: the event's own fields are {.payload…} and {.target}; for the sender's identity write {$user.id}, {$conn.id}`;
  }
  const key = `${root}.${rest[0] ?? ""}`;
  const more = rest.slice(1);
  if (root === "token") {
    if (rest.length === 0) return `${source}: name a claim, as {$token.room_id}`;
    const claim = rest[0] ?? "";
    return {
      source,
      need: "token",
      claim,
      get: (scope) => walk(scope.tokenClaims as JsonValue, rest, source, "/token"),
    };
  }
  if (key === "user.claims" && more.length > 0) {
    return fixed(undefined, (scope) =>
      walk(scope.sender.claims as JsonValue, more, source, "/user/claims"),
    );
  }
  if (more.length > 0) return `${source}: ${root}.${rest[0]} has no fields`;
  switch (key) {
    case "user.id":
      return fixed(undefined, (scope) => scope.sender.userId);
    case "user.roles":
      return fixed(undefined, (scope) => [...scope.sender.roles]);
    case "conn.id":
      return fixed(undefined, (scope) => scope.sender.connectionId);
    case "target.id":
      return fixed("target", targetId);
    case "target.room":
      return fixed("target-room", (scope) => targetPart(scope, "room", source));
    case "target.user":
      return fixed("target-user", (scope) => targetPart(scope, "user", source));
    case "event.name":
      return fixed(undefined, (scope) => scope.eventName);
    case "event.id":
      return fixed(undefined, (scope) => scope.eventId);
    case "event.ts":
      return fixed(undefined, (scope) => scope.ts);
    default:
      return `${source} is not a known placeholder (known: ${PLACEHOLDER_NAMES.join(", ")})`;
  }
}

function targetId(scope: TemplateScope): JsonValue {
  if (scope.target === undefined) throw new MissingPathError("{$target.id}", "/target");
  return scope.target.id;
}

function targetPart(scope: TemplateScope, part: "room" | "user", source: string): JsonValue {
  const value = scope.target?.[part];
  if (value === undefined) throw new MissingPathError(source, `/target (a ${part})`);
  return value;
}

/** The value at `segments` below `value`; own keys only, so `__proto__` is a missing path. */
function walk(
  value: JsonValue | undefined,
  segments: readonly string[],
  source: string,
  base: string,
): JsonValue {
  let at = value;
  let pointer = base;
  for (const segment of segments) {
    pointer = `${pointer}/${segment}`;
    if (Array.isArray(at)) {
      const index = /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : -1;
      if (index < 0 || index >= at.length) throw new MissingPathError(source, pointer);
      at = at[index];
    } else if (typeof at === "object" && at !== null && Object.hasOwn(at, segment)) {
      at = at[segment];
    } else {
      throw new MissingPathError(source, pointer);
    }
  }
  if (at === undefined) throw new MissingPathError(source, pointer);
  return at;
}
