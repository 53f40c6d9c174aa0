// Taken before any test fakes the timers: a wait must not hang on a clock nobody advances.
const { setTimeout: realSetTimeout, setImmediate: realSetImmediate } = globalThis;
const sleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

/**
 * Waits until `check` holds, looking every `everyMs`; throws, naming `what`, after `timeoutMs`
 * (a function: described when it times out, with the state seen then).
 * For states that no event announces (an HTTP status, a metric, a list a listener fills):
 * where a frame, a close, a log line or a process exit says it, await that instead.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string) = "the condition",
  timeoutMs = 5000,
  everyMs = 10,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      const described = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms: ${described}`);
    }
    await sleep(everyMs);
  }
}

/**
 * Retries `attempt` until it resolves (a client that reconnects by itself after its server
 * came back); rethrows its last error after `timeoutMs`.
 */
export async function eventually<T>(
  attempt: () => Promise<T>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(everyMs);
    }
  }
}

/** One turn of the event loop: the microtasks and I/O callbacks already due have run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
