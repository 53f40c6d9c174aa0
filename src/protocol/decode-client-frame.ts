import type { ErrorCode } from "./error-codes.js";
import type { ClientFrame, EventFrame, JsonObject, JsonValue, MessageFrame } from "./frames.js";

/** Why a frame is refused: what its `error` frame will say. */
export interface Refusal {
  ok: false;
  code: ErrorCode;
  message: string;
  ref?: string;
  field?: string;
  /** JSON pointer of the first schema failure, for `schema_violation`. */
  pointer?: string;
  /** For `rate_limited`: when a retry can succeed. */
  retryAfterMs?: number;
}

export type DecodeResult = { ok: true; frame: ClientFrame } | Refusal;

/**
 * Keys by which a client could claim a sender; refused at the top of the frame and of its
 * `data` [SENDER-1]. Deeper, they are the user's own content (a quoted message's `from`).
 */
const SENDER_KEYS = new Set(["from", "sender", "sender_id", "senderId"]);
const MAX_ID_LENGTH = 128;
/** The longest event name: a declared one is at most 64 characters (docs/rules.md). */
const MAX_EVENT_NAME = 64;

export interface DecodeOptions {
  /** Deepest nesting of objects and arrays accepted (the frame object itself is level 1). */
  maxDepth: number;
  /** Longest string value or key accepted, in UTF-16 code units. */
  maxStringLength: number;
}

/** Parses and checks one text frame of the native protocol (docs/protocol.md#client-frames). */
export function decodeClientFrame(text: string, options: DecodeOptions): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", message: "Frame is not valid JSON." };
  }
  if (!isObject(value)) {
    return { ok: false, code: "invalid_frame", message: "Frame must be a JSON object." };
  }
  const id = value.id;
  if (
    id !== undefined &&
    (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH)
  ) {
    return fieldError("id", `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  const ref = id;
  if (typeof value.type !== "string") {
    return { ok: false, code: "invalid_frame", message: "Frame needs a string `type`.", ref };
  }
  // One walk checks nesting (deep values crash recursive code, ours and JSON.stringify's),
  // string lengths and numbers, and looks for sender keys where they would speak for the
  // sender [SENDER-1].
  const problem = isClean(value, 1, true, options) ? undefined : inspect(value, options);
  if (problem?.kind === "depth") {
    return {
      ok: false,
      code: "nesting_too_deep",
      message: `Frame nests objects and arrays deeper than ${options.maxDepth} levels.`,
      ref,
    };
  }
  if (problem?.kind === "string") return stringTooLong(problem.path, options.maxStringLength, ref);
  if (problem?.kind === "number") {
    // `1e309` parses to Infinity, which JSON cannot write: it would be delivered as `null`.
    return {
      ok: false,
      code: "invalid_json",
      message: `Field ${problem.path} holds a number too large for JSON (beyond ±1.7976931348623157e308).`,
      field: problem.path,
      ref,
    };
  }
  if (problem?.kind === "sender") {
    return {
      ok: false,
      code: "forged_sender",
      message: `Field ${problem.path} names a sender; the server stamps the sender from your identity.`,
      field: problem.path,
      ref,
    };
  }
  const data = value.data;
  switch (value.type) {
    case "auth": {
      if (!isObject(data) || typeof data.token !== "string" || data.token.length === 0) {
        return fieldError("data.token", "must be a non-empty string", ref);
      }
      const since = optionalSince(data, ref);
      if ("ok" in since) return since;
      return { ok: true, frame: { type: "auth", id: ref, data: { token: data.token, ...since } } };
    }
    case "message": {
      if (!isObject(data)) return fieldError("data", "must be an object", ref);
      const hasTo = data.to !== undefined;
      const hasRoom = data.room !== undefined;
      if (hasTo === hasRoom) {
        return fieldError(
          "data.to",
          "or `data.room` must be given, not both (a user id or a room name)",
          ref,
        );
      }
      if (hasTo && (typeof data.to !== "string" || data.to.length === 0)) {
        return fieldError("data.to", "must be a non-empty string (the recipient's user id)", ref);
      }
      if (hasRoom && !isRoomName(data.room)) return roomError("data.room", ref);
      return { ok: true, frame: { type: "message", id: ref, data: data as MessageFrame["data"] } };
    }
    case "join":
    case "leave":
    case "who": {
      if (!isObject(data) || !isRoomName(data.room)) return roomError("data.room", ref);
      if (value.type === "join") {
        const since = optionalSince(data, ref);
        if ("ok" in since) return since;
        return { ok: true, frame: { type: "join", id: ref, data: { room: data.room, ...since } } };
      }
      return { ok: true, frame: { type: value.type, id: ref, data: { room: data.room } } };
    }
    case "broadcast": {
      if (!isObject(data)) return fieldError("data", "must be an object (the body)", ref);
      return { ok: true, frame: { type: "broadcast", id: ref, data: data as JsonObject } };
    }
    case "event": {
      if (!isObject(data)) return fieldError("data", "must be an object", ref);
      const { event, target, payload } = data;
      if (typeof event !== "string" || event.length === 0 || event.length > MAX_EVENT_NAME) {
        return fieldError(
          "data.event",
          `must be a non-empty string of at most ${MAX_EVENT_NAME} characters (a declared event's name)`,
          ref,
        );
      }
      if (target !== undefined && typeof target !== "string") {
        return fieldError("data.target", "must be a string (a room or user:<id>) when given", ref);
      }
      const frame: EventFrame = { type: "event", id: ref, data: { event } };
      if (target !== undefined && target !== "") frame.data.target = target;
      if (payload !== undefined) frame.data.payload = payload as JsonValue;
      return { ok: true, frame };
    }
    case "ack":
    case "read": {
      if (!isObject(data) || !isSequence(data.seq)) {
        return fieldError("data.seq", "must be a non-negative integer", ref);
      }
      return { ok: true, frame: { type: value.type, id: ref, data: { seq: data.seq } } };
    }
    case "ping":
      return { ok: true, frame: { type: "ping", id: ref } };
    default:
      return {
        ok: false,
        code: "unknown_type",
        message: `Unknown frame type "${value.type.slice(0, 64)}".`,
        ref,
      };
  }
}

/** The refusal of a string (or key) longer than `limits.maxStringLength`, at `field`. */
export function stringTooLong(field: string, max: number, ref?: string): Refusal {
  return {
    ok: false,
    code: "string_too_long",
    message: `Field ${field} is longer than ${max} characters.`,
    field,
    ref,
  };
}

function fieldError(field: string, expectation: string, ref?: string): Refusal {
  return { ok: false, code: "invalid_field", message: `\`${field}\` ${expectation}.`, field, ref };
}

/** Room names: 1–64 of letters, digits and `._:-`, starting with a letter or digit [ROOM-1]. */
export const ROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function isRoomName(value: unknown): value is string {
  return typeof value === "string" && ROOM_NAME.test(value);
}

function roomError(field: string, ref?: string): DecodeResult {
  return fieldError(
    field,
    "must be a room name: 1–64 letters, digits or . _ : -, starting with a letter or digit",
    ref,
  );
}

/** `data.since`, when given: the last sequence the client has (auth: mailbox; join: room). */
function optionalSince(
  data: Record<string, unknown>,
  ref: string | undefined,
): { since?: number } | Refusal {
  if (data.since === undefined) return {};
  if (!isSequence(data.since))
    return fieldError("data.since", "must be a non-negative integer", ref);
  return { since: data.since };
}

function isSequence(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deepest nesting `isClean` walks by recursion: its stack is at most this deep (the limit's
 * configured maximum); deeper limits take `inspect` alone.
 */
const CLEAN_WALK_DEPTH = 256;

/**
 * The common frame's fast path: whether `inspect` would find nothing, by a recursive walk
 * that allocates nothing (no item per value, no key array). Any doubt returns false, and
 * `inspect` then finds the problem and says where, so the refusals are `inspect`'s alone.
 */
function isClean(
  value: object,
  depth: number,
  /** Whether its keys speak for the sender: the frame's, and its `data`'s [SENDER-1]. */
  speaks: boolean,
  options: DecodeOptions,
): boolean {
  if (depth > options.maxDepth || depth > CLEAN_WALK_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!isCleanValue(value[i], depth + 1, false, options)) return false;
    }
    return true;
  }
  const max = options.maxStringLength;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) return false;
    if (key.length > max) return false;
    if (speaks && SENDER_KEYS.has(key)) return false;
    if (!isCleanValue(record[key], depth + 1, depth === 1 && key === "data", options)) return false;
  }
  return true;
}

function isCleanValue(
  value: unknown,
  depth: number,
  speaks: boolean,
  options: DecodeOptions,
): boolean {
  if (typeof value === "string") return value.length <= options.maxStringLength;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || value === null) return true;
  return isClean(value, depth, speaks, options);
}

type Problem = { kind: "depth" } | { kind: "sender" | "string" | "number"; path: string };

/**
 * One iterative walk (no input can exhaust the stack) for depth, string length, numbers JSON
 * cannot carry and sender keys.
 */
function inspect(root: Record<string, unknown>, options: DecodeOptions): Problem | undefined {
  // Each item knows its parent and key; the path string is built only for a refusal.
  interface Item {
    value: unknown;
    parent: Item | undefined;
    key: string | number;
    depth: number;
  }
  const stack: Item[] = [{ value: root, parent: undefined, key: "", depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value === "string") {
      if (value.length > options.maxStringLength) return { kind: "string", path: pathOf(item) };
      continue;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return { kind: "number", path: pathOf(item) };
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > options.maxDepth) return { kind: "depth" };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], parent: item, key: i, depth: depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(value);
    const speaksForSender = depth === 1 || (depth === 2 && item.key === "data");
    for (const key of keys) {
      if (speaksForSender && SENDER_KEYS.has(key))
        return { kind: "sender", path: pathOf({ value, parent: item, key, depth }) };
      if (key.length > options.maxStringLength) {
        return { kind: "string", path: pathOf({ value, parent: item, key, depth }) };
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({
        value: (value as Record<string, unknown>)[key],
        parent: item,
        key,
        depth: depth + 1,
      });
    }
  }
  return undefined;

  function pathOf(item: Item): string {
    let path = "";
    for (let at: Item | undefined = item; at?.parent !== undefined; at = at.parent) {
      const part =
        typeof at.key === "number"
          ? `[${at.key}]`
          : at.parent.parent === undefined
            ? at.key
            : `.${at.key}`;
      path = part + path;
    }
    return path;
  }
}
