import type { MessageProperties } from "amqplib";
import { describe, expect, it } from "vitest";
import { decodeMailMessage } from "../../src/server/amqp/mail-message.js";

const properties = (messageId?: string): MessageProperties =>
  ({ messageId }) as unknown as MessageProperties;
const decode = (body: unknown, messageId?: string) =>
  decodeMailMessage(Buffer.from(JSON.stringify(body)), properties(messageId), 65536);

describe("a message of the AMQP mail queue", () => {
  it("takes its idempotency key from the body's id, else from the message-id property", () => {
    expect(decode({ to: "ann", data: {}, id: "body" }, "property")).toEqual({
      ok: true,
      request: { to: "ann", data: {}, id: "body" },
    });
    expect(decode({ to: "ann", data: {} }, "property")).toEqual({
      ok: true,
      request: { to: "ann", data: {}, id: "property" },
    });
    expect(decode({ to: "ann", data: {} })).toEqual({ ok: true, request: { to: "ann", data: {} } });
  });

  it("names the message-id property when it is what is wrong", () => {
    expect(decode({ to: "ann", data: {} }, "k".repeat(300))).toEqual({
      ok: false,
      code: "malformed",
      reason: "the message-id property (the id) must NOT have more than 256 characters",
    });
  });

  it("does not quote the content of a message that is not JSON", () => {
    const decoded = decodeMailMessage(Buffer.from("password=hunter2"), properties(), 65536);
    expect(decoded).toEqual({
      ok: false,
      code: "malformed",
      reason: "not JSON (UTF-8 JSON expected)",
    });
  });
});
