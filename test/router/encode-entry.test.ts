import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveredMessageFrame, JsonObject } from "../../src/protocol/index.js";
import type { StoredMail } from "../../src/server/mailbox/message-store.js";
import { bodyOf } from "../../src/server/router/body-of.js";
import { encodeAccepted, encodeEntry } from "../../src/server/router/encode-entry.js";

const mailArbitrary = fc.record({
  id: fc.uuid(),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  from: fc.string({ unit: "binary" }),
  to: fc.string({ unit: "binary" }),
  ts: fc.integer({ min: 0, max: 2 ** 45 }),
  body: fc.jsonValue().map((value) => ({ value }) as JsonObject),
});

/** What a mail's frame is by definition: JSON.stringify of the frame object. */
function expected(mail: Omit<StoredMail, "kind">): string {
  const frame: DeliveredMessageFrame = {
    type: "message",
    data: {
      id: mail.id,
      seq: mail.seq,
      from: mail.from,
      to: mail.to,
      ts: mail.ts,
      body: mail.body,
    },
  };
  return JSON.stringify(frame);
}

describe("encodeEntry", () => {
  it("encodes a mail exactly as JSON.stringify of its frame, with or without its serialized body", () => {
    fc.assert(
      fc.property(mailArbitrary, (mail) => {
        expect(encodeEntry({ kind: "mail", ...mail })).toBe(expected(mail));
        const bodyJson = JSON.stringify(mail.body);
        expect(encodeEntry({ kind: "mail", ...mail, bodyJson })).toBe(expected(mail));
      }),
    );
  });
});

describe("encodeEntry of a receipt", () => {
  it("is JSON.stringify of its frame, `ref` present only when the mail had one", () => {
    fc.assert(
      fc.property(
        fc.record({
          owner: fc.string(),
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          status: fc.constantFrom("delivered" as const, "read" as const),
          mailId: fc.uuid(),
          to: fc.string({ unit: "binary" }),
          ts: fc.integer({ min: 0, max: 2 ** 45 }),
          ref: fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
        }),
        (receipt) => {
          const { ref, ...rest } = receipt;
          const entry = ref === undefined ? rest : { ...rest, ref };
          const data = {
            status: receipt.status,
            id: receipt.mailId,
            to: receipt.to,
            ts: receipt.ts,
            seq: receipt.seq,
          };
          const frame =
            ref === undefined ? { type: "receipt", data } : { type: "receipt", ref, data };
          expect(encodeEntry({ kind: "receipt", ...entry })).toBe(JSON.stringify(frame));
        },
      ),
    );
  });
});

describe("encodeAccepted", () => {
  it("is JSON.stringify of the accepted receipt frame, `ref` and `online` present only when given", () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.uuid(),
          to: fc.string({ unit: "binary" }),
          ts: fc.integer({ min: 0, max: 2 ** 45 }),
          ref: fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
          online: fc.option(fc.boolean(), { nil: undefined }),
        }),
        ({ id, to, ts, ref, online }) => {
          const data: Record<string, unknown> = { status: "accepted", id, to, ts };
          if (online !== undefined) data.online = online;
          const frame = { type: "receipt", ref, data };
          expect(encodeAccepted(ref, id, to, ts, online)).toBe(JSON.stringify(frame));
        },
      ),
    );
  });
});

describe("bodyOf", () => {
  it("is the data minus `to` and `room`, in its key order, `__proto__` kept as data", () => {
    const data = JSON.parse('{"a":1,"to":"bob","__proto__":{"x":1},"room":"r","z":[2]}');
    const body = bodyOf(data);
    expect(JSON.stringify(body)).toBe('{"a":1,"__proto__":{"x":1},"z":[2]}');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
  });
});
