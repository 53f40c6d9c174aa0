/**
 * A small typed event emitter that runs in browsers as in Node (no `node:events`).
 *
 * A listener that throws (or whose promise rejects) does not stop the others: every listener
 * is called, and the failure goes to the `error` listeners. A failing `error` listener, or a
 * failure with no `error` listener at all, is written with `console.error` and otherwise
 * dropped, so that a bug in an application's listener never crashes the process or loops.
 */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /**
   * Calls each listener in turn, waiting for an async one before the next; resolves once all
   * have finished. Never rejects. Synchronous listeners all run before this returns.
   */
  protected async fire<K extends keyof Events>(
    event: K,
    ...args: Parameters<Events[K]>
  ): Promise<void> {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        const result = (listener as (...a: Parameters<Events[K]>) => unknown)(...args);
        if (isThenable(result)) await result;
      } catch (error) {
        this.listenerFailed(event, error);
      }
    }
  }

  protected has(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Hands an error to the `error` listeners; with none, writes it with `console.error`. */
  protected fail(error: unknown): void {
    const errorEvent = "error" as keyof Events;
    if (!this.has(errorEvent)) {
      globalThis.console?.error("postoffice client:", error);
      return;
    }
    const failure = error instanceof Error ? error : new Error(String(error));
    void this.fire(errorEvent, ...([failure] as unknown as Parameters<Events[keyof Events]>));
  }

  private listenerFailed(event: keyof Events, error: unknown): void {
    if (String(event) !== "error" && this.has("error" as keyof Events)) {
      this.fail(error);
      return;
    }
    globalThis.console?.error(`postoffice client: a "${String(event)}" listener threw:`, error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
