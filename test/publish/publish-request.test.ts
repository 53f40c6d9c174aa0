import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import {
  MAX_RECIPIENTS,
  PUBLISH_REQUEST_SCHEMA,
  validatePublishRequest,
} from "../../src/server/publish/publish-request.js";

describe("a publish request", () => {
  it.each([
    { to: "bob", data: { text: "shipped" } },
    { to: ["ann", "bob"], data: {}, id: "order-17" },
    { room: "lobby", data: { text: "hi" } },
    { broadcast: true, data: { text: "maintenance at 6" } },
  ])("accepts %j", (request) => {
    expect(validatePublishRequest(request)).toEqual({ ok: true, request });
  });

  it.each([
    [null, "", "must be a JSON object"],
    [["bob"], "", "must be a JSON object"],
    [{ data: {} }, "", "exactly one of `to`, `room` or `broadcast`"],
    [{ to: "bob", room: "lobby", data: {} }, "", "exactly one of"],
    [{ to: "bob" }, "", "must have required property 'data'"],
    [{ to: "", data: {} }, "/to", "must be a user id or an array"],
    [{ to: [], data: {} }, "/to", "must be a user id or an array"],
    [{ to: ["ann", "ann"], data: {} }, "/to", "distinct"],
    [{ to: ["ann", 7], data: {} }, "/to", "must be a user id or an array"],
    [{ to: Array.from({ length: MAX_RECIPIENTS + 1 }, (_, n) => `u${n}`), data: {} }, "/to", ""],
    [{ room: "a room", data: {} }, "/room", "must be a room name"],
    [{ broadcast: false, data: {} }, "/broadcast", "must be equal to constant"],
    [{ to: "bob", data: [] }, "/data", "must be object"],
    [{ to: "bob", data: {}, id: "" }, "/id", "must NOT have fewer than 1 characters"],
    [{ to: "bob", data: {}, id: null }, "/id", "must be string"],
    [{ to: "bob", data: {}, from: "ceo" }, "/from", "is not a field of a publish"],
  ])("refuses %j at %j", (request, pointer, message) => {
    const checked = validatePublishRequest(request);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.pointer).toBe(pointer);
    expect(checked.message).toContain(message);
  });

  it("has a JSON Schema that a standard validator reads the same way", () => {
    const validate = new Ajv().compile(PUBLISH_REQUEST_SCHEMA);
    expect(validate({ to: ["ann"], data: {}, id: "k" })).toBe(true);
    expect(validate({ room: "lobby", data: {} })).toBe(true);
    expect(validate({ broadcast: true, data: {} })).toBe(true);
    expect(validate({ data: {} })).toBe(false);
    expect(validate({ to: "bob", data: {}, extra: 1 })).toBe(false);
  });
});
