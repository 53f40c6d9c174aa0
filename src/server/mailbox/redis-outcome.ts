/**
 * A call the store refused before sending anything to Redis (not connected, not ready in time,
 * refused NOSCRIPT and never sent again): certainly not run.
 */
export class NotSentError extends Error {
  override readonly name = "NotSentError";
}

/**
 * Errors Redis answers instead of running a command (or before a script's first write, which
 * refuses the whole script for these): nothing of it ran. The first word of the reply.
 */
const REFUSED_UNRUN = new Set([
  "NOSCRIPT",
  "BUSY",
  "LOADING",
  "OOM",
  "MISCONF",
  "READONLY",
  "NOREPLICAS",
  "MASTERDOWN",
  "NOAUTH",
  "WRONGPASS",
  "NOPERM",
]);

/**
 * Whether a failed command may have run on Redis. A command written to the connection and not
 * answered (a timeout, a dropped connection) may have run: Redis runs what it has read whether
 * or not its reply arrives. So may a script that failed while running (Redis keeps the writes
 * it made before the error). Only a refusal before sending, or one of Redis's refusals to run,
 * is known not to have run [DELIVERY-5].
 */
export function mayHaveRun(error: unknown): boolean {
  if (error instanceof NotSentError) return false;
  if (!(error instanceof Error)) return true;
  if (error.name === "ReplyError") {
    const word = error.message.split(" ", 1)[0] ?? "";
    return !REFUSED_UNRUN.has(word);
  }
  // ioredis refuses to write to a connection that is not ready (no offline queue).
  return !error.message.startsWith("Stream isn't writeable");
}
