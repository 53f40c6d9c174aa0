/**
 * Reconnect delays: exponential with full jitter, so that clients cut at the same moment do
 * not all return at the same moment. A server's drain gives its own window instead.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** The window of a 1001 close's reason `{"code":"server_shutdown","reconnectWithinMs":N}`, if any. */
export function drainWindow(reason: string): number | undefined {
  try {
    const parsed = JSON.parse(reason) as { code?: unknown; reconnectWithinMs?: unknown };
    return parsed.code === "server_shutdown" && typeof parsed.reconnectWithinMs === "number"
      ? parsed.reconnectWithinMs
      : undefined;
  } catch {
    return undefined;
  }
}
