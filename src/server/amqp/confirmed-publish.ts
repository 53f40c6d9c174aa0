import type { ConfirmChannel, Options } from "amqplib";

/**
 * Publishes on a confirm channel and resolves once RabbitMQ has taken responsibility for the
 * message (for a persistent message to a durable queue: written to disk). Rejects on a
 * negative confirm or when the channel closes first. The returned `written` promise waits
 * for the socket's buffer to drain, so a caller publishing many does not buffer without
 * bound. A synchronous throw (a headers table over 64 KiB) is left to the caller.
 */
export function confirmedPublish(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): { confirmed: Promise<void>; written: Promise<void> } {
  let settle: (error: unknown) => void = () => undefined;
  const confirmed = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(toError(error)) : resolve());
  });
  const flushed = channel.publish(exchange, routingKey, content, options, (error) => settle(error));
  const written = flushed ? Promise.resolve() : drained(channel);
  // Marked as handled now: a caller awaits `written` first, and a negative confirm arriving
  // meanwhile must not count as an unhandled rejection. Awaiting `confirmed` still throws.
  confirmed.catch(() => undefined);
  return { confirmed, written };
}

function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      channel.off("drain", done);
      channel.off("close", done);
      resolve();
    };
    channel.once("drain", done);
    channel.once("close", done);
  });
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error("RabbitMQ did not confirm the message (negative acknowledgement)");
}
