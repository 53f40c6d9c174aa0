// Reading what an HTTP endpoint of the operator answers (the auth webhook, a JWKS), bounded.

/**
 * A response body as text, read chunk by chunk and given up as soon as it is longer than
 * `max`: an endpoint that answers 300 MB costs `max` bytes, not 300 MB. Past `max` (declared
 * or read), the body is dropped and `tooLong()` is thrown. Invalid UTF-8 throws a TypeError.
 */
export async function boundedText(
  response: Response,
  max: number,
  tooLong: () => Error,
): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > max) {
    await discardBody(response);
    throw tooLong();
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLong();
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
}

/** Frees the connection of a response whose body is not wanted. */
export async function discardBody(response: Response): Promise<void> {
  // The status has already decided the answer, so a body that fails to drain changes nothing.
  await response.body?.cancel().catch(() => undefined);
}

/** What went wrong with a fetch, for a log line: undici says only "fetch failed" on its own. */
export function describeFetchFailure(cause: unknown): string {
  if (cause instanceof Error && cause.name === "TimeoutError") return "timed out";
  if (!(cause instanceof Error)) return String(cause);
  // The reason (ECONNREFUSED, ...) is one level down.
  return cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message;
}
