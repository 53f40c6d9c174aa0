import { describe, expect, it } from "vitest";
import { decodeClientFrame } from "../../src/protocol/index.js";

const limits = { maxDepth: 8, maxStringLength: 100 };
const decode = (frame: unknown) => decodeClientFrame(JSON.stringify(frame), limits);

describe("decodeClientFrame: sender keys [SENDER-1]", () => {
  it("refuses a sender key at the top of data, naming the field", () => {
    for (const key of ["from", "sender", "sender_id", "senderId"]) {
      const decoded = decode({ type: "message", id: "m1", data: { to: "bob", [key]: "ann" } });
      expect(decoded).toMatchObject({
        ok: false,
        code: "forged_sender",
        field: `data.${key}`,
        ref: "m1",
      });
    }
  });

  it("refuses a sender key at the top of the frame", () => {
    expect(decode({ type: "broadcast", sender: "ann", data: { text: "hi" } })).toMatchObject({
      ok: false,
      code: "forged_sender",
      field: "sender",
    });
  });

  it("takes a sender key nested in the data as the user's content (a quoted message)", () => {
    const data = { to: "bob", quote: { from: "ann", text: "…" }, list: [{ sender_id: "x" }] };
    expect(decode({ type: "message", data })).toEqual({
      ok: true,
      frame: { type: "message", id: undefined, data },
    });
  });

  it("still checks nesting depth and string length below the top of data", () => {
    const deep = { to: "bob", a: { b: { c: { d: { e: { f: { g: {} } } } } } } };
    expect(decode({ type: "message", data: deep })).toMatchObject({ code: "nesting_too_deep" });
    const long = { to: "bob", quote: { from: "x".repeat(101) } };
    expect(decode({ type: "message", data: long })).toMatchObject({
      code: "string_too_long",
      field: "data.quote.from",
    });
  });
});

describe("decodeClientFrame: numbers", () => {
  it("refuses a number too large for JSON, which would be delivered as null, naming the field", () => {
    for (const number of ["1e309", "-1e309", "123456789e400"]) {
      const text = `{"type":"message","id":"m1","data":{"to":"bob","list":[1,${number}]}}`;
      expect(decodeClientFrame(text, limits)).toMatchObject({
        ok: false,
        code: "invalid_json",
        field: "data.list[1]",
        ref: "m1",
      });
    }
  });

  it("passes the largest double, tiny numbers and big integers as JSON parses them", () => {
    const text =
      '{"type":"message","data":{"to":"bob","a":1.7976931348623157e308,"b":1e-400,"c":-0}}';
    expect(decodeClientFrame(text, limits)).toMatchObject({
      ok: true,
      frame: { data: { a: Number.MAX_VALUE, b: 0, c: -0 } },
    });
  });
});
