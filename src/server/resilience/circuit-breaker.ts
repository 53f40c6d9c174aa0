/**
 * `closed`: calls go through. `open`: every call is refused at once until the cool-down has
 * passed. `half_open`: the cool-down has passed and one call (the probe) may go through; its
 * outcome closes the circuit or opens it for another cool-down.
 */
export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Consecutive failures (errors, timeouts) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  cooldownMs: number;
  /** Monotonic milliseconds. */
  clock: () => number;
  /** Told of every change of state, with what caused it. */
  onChange?: (state: CircuitState, cause: string) => void;
}

/** A call may go ahead (`probe`: it decides the half-open circuit), or must not before `retryAfterMs`. */
export type CircuitAdmission = { ok: true; probe: boolean } | { ok: false; retryAfterMs: number };

/**
 * Stops calling a backend that keeps failing, so that a flood of clients cannot pile calls on a
 * service that is already down, and they hear "unavailable" at once instead of after a timeout.
 * Only the outcome of calls admitted while closed, and of the probe, moves the state.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #state: CircuitState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new Error("failureThreshold must be at least 1");
    this.#options = options;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Closed with no failure since the last success: the backend answers as it should. */
  get healthy(): boolean {
    return this.#state === "closed" && this.#failures === 0;
  }

  admit(): CircuitAdmission {
    switch (this.#state) {
      case "closed":
        return { ok: true, probe: false };
      case "open": {
        const waited = this.#options.clock() - this.#openedAt;
        if (waited < this.#options.cooldownMs) {
          return { ok: false, retryAfterMs: Math.ceil(this.#options.cooldownMs - waited) };
        }
        this.#change("half_open", "the cool-down has passed");
        return this.#probe();
      }
      case "half_open":
        return this.#probe();
      default: {
        const unknown: never = this.#state;
        throw new Error(`unknown circuit state ${String(unknown)}`);
      }
    }
  }

  /** The backend answered (even "no"): it is up. */
  succeeded(probe: boolean): void {
    if (probe) {
      this.#probing = false;
      this.#failures = 0;
      this.#change("closed", "the probe succeeded");
    } else if (this.#state === "closed") {
      this.#failures = 0;
    }
  }

  /** The backend failed (error, timeout, wrong answer). */
  failed(probe: boolean, cause: string): void {
    if (probe) {
      this.#probing = false;
      this.#open(`the probe failed: ${cause}`);
    } else if (this.#state === "closed") {
      this.#failures += 1;
      if (this.#failures >= this.#options.failureThreshold) {
        this.#open(`${this.#failures} failures in a row, the last: ${cause}`);
      }
    }
  }

  /** An admitted call never reached the backend (no slot before its deadline): no verdict. */
  abandoned(probe: boolean): void {
    if (probe) this.#probing = false;
  }

  #probe(): CircuitAdmission {
    // One probe at a time; the others are refused for about as long as a probe may take.
    if (this.#probing) return { ok: false, retryAfterMs: this.#options.cooldownMs };
    this.#probing = true;
    return { ok: true, probe: true };
  }

  #open(cause: string): void {
    this.#openedAt = this.#options.clock();
    this.#change("open", cause);
  }

  #change(state: CircuitState, cause: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onChange?.(state, cause);
  }
}
