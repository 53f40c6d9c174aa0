import type { MessageProperties } from "amqplib";
import type { PublishRefusalCode } from "../publish/mail-intake.js";
import { type PublishRequest, validatePublishRequest } from "../publish/publish-request.js";

export type DecodedMail =
  | { ok: true; request: PublishRequest }
  | { ok: false; code: Extract<PublishRefusalCode, "malformed" | "too_large">; reason: string };

/**
 * A message of the mail queue as a publish request: UTF-8 JSON
 * `{"to"|"users"|"room"|"broadcast", "data", "id"?}`, where `users` is an array of user ids
 * (`to` takes one or an array too). Without an `id` in the body, the message's AMQP
 * `message-id` property is the idempotency key, as RabbitMQ publishers usually set it.
 */
export function decodeMailMessage(
  content: Buffer,
  properties: MessageProperties,
  maxBytes: number,
): DecodedMail {
  if (content.length > maxBytes) {
    return {
      ok: false,
      code: "too_large",
      reason: `the message has ${content.length} bytes; the bridge reads at most ${maxBytes}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(content.toString("utf8"));
  } catch {
    // Not the parser's message: it quotes the content, which is the sender's, not the log's.
    return { ok: false, code: "malformed", reason: "not JSON (UTF-8 JSON expected)" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "malformed", reason: "must be a JSON object" };
  }
  const { users, ...rest } = value as Record<string, unknown>;
  const body: Record<string, unknown> = rest;
  if (users !== undefined) {
    if (!Array.isArray(users)) {
      return { ok: false, code: "malformed", reason: "/users must be an array of user ids" };
    }
    if (rest.to !== undefined) {
      return { ok: false, code: "malformed", reason: "/users and /to cannot both be given" };
    }
    body.to = users;
  }
  const messageId: unknown = properties.messageId;
  const idFromProperty =
    body.id === undefined && typeof messageId === "string" && messageId.length > 0;
  if (idFromProperty) body.id = messageId;
  const checked = validatePublishRequest(body);
  if (checked.ok) return checked;
  let where = checked.pointer || "the message";
  if (users !== undefined) where = where.replace(/^\/to/, "/users");
  if (idFromProperty && where === "/id") where = "the message-id property (the id)";
  return { ok: false, code: "malformed", reason: `${where} ${checked.message}` };
}
