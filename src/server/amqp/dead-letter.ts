import type { ConfirmChannel, ConsumeMessage, Options } from "amqplib";
import type { PublishRefusalCode } from "../publish/mail-intake.js";
import { confirmedPublish } from "./confirmed-publish.js";

/** Why mail went to the dead-letter queue: a refusal, or retries that all failed. */
export type DeadLetterCode = PublishRefusalCode | "retries_exhausted";

export interface DeadLetterReason {
  code: DeadLetterCode;
  /** For people; says what was wrong (never the message's content). */
  reason: string;
  /** Attempts made (1 unless retried). */
  attempts: number;
}

const MAX_REASON_LENGTH = 1024;

/**
 * A copy of the message in the dead-letter queue, content untouched, its properties kept
 * (but `expiration`, which would let it expire there, and `user-id`, which RabbitMQ checks
 * against the bridge's own user), persistent, with headers saying why:
 * `x-postoffice-code`, `x-postoffice-reason`, `x-postoffice-attempts`, `x-postoffice-queue`.
 * Resolves once RabbitMQ confirms it; only then may the original be acknowledged.
 */
export async function deadLetter(
  channel: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  why: DeadLetterReason,
  sourceQueue: string,
): Promise<void> {
  const { expiration: _expiration, userId: _userId, headers, ...kept } = message.properties;
  const ours = {
    "x-postoffice-code": why.code,
    "x-postoffice-reason": why.reason.slice(0, MAX_REASON_LENGTH),
    "x-postoffice-attempts": why.attempts,
    "x-postoffice-queue": sourceQueue,
  };
  const options = (extra: Record<string, unknown>): Options.Publish => ({
    ...withoutNulls(kept),
    persistent: true,
    headers: { ...extra, ...ours },
  });
  let publish: ReturnType<typeof confirmedPublish>;
  try {
    publish = confirmedPublish(channel, "", queue, message.content, options(headers ?? {}));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Its own headers and ours do not fit in an AMQP table (64 KiB): ours matter more.
    publish = confirmedPublish(
      channel,
      "",
      queue,
      message.content,
      options({ "x-postoffice-headers-dropped": true }),
    );
  }
  await publish.written;
  await publish.confirmed;
}

/** amqplib reads absent properties as `undefined`, but a received message may carry nulls. */
function withoutNulls(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value != null));
}
