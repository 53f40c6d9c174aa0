import { createHash } from "node:crypto";
import type { ActivityEvent } from "../activity/activity-event.js";

/** Longest word a name or id takes in a routing key (AMQP caps a key at 255 bytes). */
const MAX_WORD_BYTES = 100;

/**
 * The routing key of an event on the topic exchange (docs/operations.md, "AMQP bridge"):
 *
 * | event            | routing key                   |
 * | ---------------- | ----------------------------- |
 * | mail accepted    | `mail.accepted.<to>`          |
 * | mail delivered   | `mail.delivered.<to>`         |
 * | mail read        | `mail.read.<to>`              |
 * | a user joined    | `presence.join.<room>`        |
 * | a user left      | `presence.leave.<room>`       |
 * | a declared event | `event.<name>.<target>`       |
 *
 * `<to>` is the recipient of the mail. Each name or id is one word (see `routingWord`).
 */
export function routingKey(event: ActivityEvent): string {
  switch (event.kind) {
    case "mail.accepted":
    case "mail.delivered":
    case "mail.read":
      return `${event.kind}.${routingWord(event.to)}`;
    case "presence.join":
    case "presence.leave":
      return `${event.kind}.${routingWord(event.room)}`;
    case "event":
      return `event.${routingWord(event.name)}.${routingWord(event.target)}`;
    default:
      return unreachable(event);
  }
}

/**
 * A name or id as one word of a routing key: `%` is written `%25` and `.` (the separator)
 * `%2E`; a word still longer than 100 bytes is written `~` and the first 32 hex digits of
 * the SHA-256 of the name. The exact values are in the body.
 */
export function routingWord(value: string): string {
  const word = value.replaceAll("%", "%25").replaceAll(".", "%2E");
  if (Buffer.byteLength(word) <= MAX_WORD_BYTES) return word;
  return `~${createHash("sha256").update(value).digest("hex").slice(0, 32)}`;
}

/** The JSON body of an event; a `mail.accepted` carries the mail's body only when asked. */
export function eventBody(event: ActivityEvent, withMailBody: boolean): string {
  if (event.kind === "mail.accepted" && !withMailBody) {
    const { body: _body, ...envelope } = event;
    return JSON.stringify(envelope);
  }
  return JSON.stringify(event);
}

function unreachable(value: never): never {
  throw new Error(`unknown activity ${JSON.stringify(value)}`);
}
