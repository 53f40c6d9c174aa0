import type { JsonObject } from "../../protocol/index.js";

/** The limits a client's mail is held to, applied to a backend's `data`. */
export interface BodyLimits {
  /** Deepest nesting, the request being level 1 and `data` level 2, as in a client's frame. */
  maxDepth: number;
  /** Longest string or key, in UTF-16 code units. */
  maxStringLength: number;
  /** Largest `data` as JSON, in UTF-8 bytes (a client's whole frame is held to this). */
  maxBytes: number;
}

export type BodyCheck =
  | { ok: true; bodyJson: string }
  | { ok: false; code: "too_large" | "malformed"; pointer: string; message: string };

/**
 * Keys that would speak for the sender or re-address the mail at the top of a body: a
 * client's mail can never carry them there [SENDER-1], so a backend's cannot either, and
 * the recipients get the same `message` frame whoever sent it.
 */
const RESERVED_KEYS = new Set(["from", "sender", "sender_id", "senderId", "to", "room"]);

/**
 * Checks a publish's `data` against the limits a client's frame meets, before anything
 * serializes it (a deep value crashes recursive code, JSON.stringify's included): one
 * iterative walk for depth, string and key length and reserved keys, then the size.
 */
export function checkBody(data: JsonObject, limits: BodyLimits): BodyCheck {
  for (const key of Object.keys(data)) {
    if (RESERVED_KEYS.has(key)) {
      return {
        ok: false,
        code: "malformed",
        pointer: `/data/${pointerToken(key)}`,
        message:
          key === "to" || key === "room"
            ? "is an address: name the recipients beside `data`, not in it"
            : "names a sender: the server stamps the service as the sender",
      };
    }
  }
  const problem = walk(data, limits);
  if (problem !== undefined) return { ok: false, ...problem };
  const bodyJson = JSON.stringify(data);
  const bytes = Buffer.byteLength(bodyJson);
  if (bytes > limits.maxBytes) {
    return {
      ok: false,
      code: "too_large",
      pointer: "/data",
      message: `is ${bytes} bytes as JSON; mail holds at most ${limits.maxBytes} (limits.maxFrameBytes)`,
    };
  }
  return { ok: true, bodyJson };
}

interface Item {
  value: unknown;
  pointer: string;
  depth: number;
}

function walk(
  data: JsonObject,
  limits: BodyLimits,
): { code: "too_large"; pointer: string; message: string } | undefined {
  const stack: Item[] = [{ value: data, pointer: "/data", depth: 2 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, pointer, depth } = item;
    if (typeof value === "string") {
      if (value.length > limits.maxStringLength) return tooLongAt(pointer, limits);
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > limits.maxDepth) {
      return {
        code: "too_large",
        pointer,
        message: `nests objects and arrays deeper than ${limits.maxDepth} levels (limits.maxNestingDepth)`,
      };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
      }
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${pointerToken(key)}`;
      if (key.length > limits.maxStringLength) return tooLongAt(at, limits);
      stack.push({ value: child, pointer: at, depth: depth + 1 });
    }
  }
  return undefined;
}

function tooLongAt(pointer: string, limits: BodyLimits) {
  return {
    code: "too_large" as const,
    pointer,
    message: `is longer than ${limits.maxStringLength} characters (limits.maxStringLength)`,
  };
}

/** A key as a JSON Pointer token (RFC 6901). */
export function pointerToken(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}
