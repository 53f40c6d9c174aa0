import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeClientFrame } from "../../src/protocol/index.js";

const limits = { maxDepth: 4, maxStringLength: 6 };
const SENDER_KEYS = ["from", "sender", "sender_id", "senderId"];

/** What the frame's checks forbid, said as plainly as possible: the test's reference. */
function forbidden(value: unknown, depth: number, speaks: boolean): boolean {
  if (typeof value === "string") return value.length > limits.maxStringLength;
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  if (depth > limits.maxDepth) return true;
  if (Array.isArray(value)) return value.some((item) => forbidden(item, depth + 1, false));
  return Object.entries(value).some(
    ([key, item]) =>
      key.length > limits.maxStringLength ||
      (speaks && SENDER_KEYS.includes(key)) ||
      forbidden(item, depth + 1, depth === 1 && key === "data"),
  );
}

const key = fc.constantFrom("a", "data", "from", "senderId", "x", "longer_key", "__proto__");
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 3 }),
  ),
})).value;

describe("decodeClientFrame's walk of a frame", () => {
  it("accepts exactly the frames without a string, key, nesting or sender key it forbids", () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 3 }), (extra) => {
        const frame = { ...extra, type: "ping", id: "p" };
        const text = JSON.stringify(frame);
        const decoded = decodeClientFrame(text, limits);
        expect(decoded.ok).toBe(!forbidden(JSON.parse(text), 1, true));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a number beyond what JSON can write, however deep", () => {
    const decoded = decodeClientFrame('{"type":"ping","data":{"a":[1e309]}}', limits);
    expect(decoded).toMatchObject({ ok: false, code: "invalid_json", field: "data.a[0]" });
  });
});
