/** The gate's queue was full: the call was refused without waiting. */
export class GateFullError extends Error {
  override readonly name = "GateFullError";
}

interface Waiter {
  start(): void;
  onAbort(): void;
}

/**
 * At most `maxActive` tasks at once, and at most `maxQueued` waiting for a slot, first come
 * first served. A waiter whose signal aborts leaves the queue at once, so a deadline covers the
 * wait too; past `maxQueued`, a task is refused at once with `GateFullError`.
 */
export class ConcurrencyGate {
  readonly #maxActive: number;
  readonly #maxQueued: number;
  readonly #queue: Waiter[] = [];
  #active = 0;

  constructor(maxActive: number, maxQueued: number) {
    if (maxActive < 1) throw new Error("maxActive must be at least 1");
    this.#maxActive = maxActive;
    this.#maxQueued = maxQueued;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async run<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#active < this.#maxActive) {
      this.#active += 1;
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new GateFullError(`${this.#active} calls in flight and ${this.#queue.length} waiting`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener("abort", waiter.onAbort);
          resolve();
        },
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#active -= 1;
      return;
    }
    next.start();
  }
}
