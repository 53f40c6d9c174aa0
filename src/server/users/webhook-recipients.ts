import { ConcurrencyGate, GateFullError } from "../auth/concurrency-gate.js";
import { ExpiringCache } from "../auth/expiring-cache.js";
import { boundedText, describeFetchFailure, discardBody } from "../auth/fetch-text.js";
import { CircuitBreaker, type CircuitState } from "../resilience/circuit-breaker.js";

export interface WebhookRecipientsOptions {
  /** Endpoint that receives `{"user": ...}`; may carry a secret, so it is never echoed. */
  url: string;
  /** One deadline for the whole call: waiting for a slot, connecting, the headers and the body. */
  timeoutMs: number;
  /** How long an answer (yes or no) is reused for the same user; 0 = never. */
  cacheMs: number;
  /** An answer longer than this is cut off, and the check is unavailable. */
  maxBodyBytes?: number;
  maxConcurrent?: number;
  /** Calls waiting for a slot; past it a check fails at once. */
  maxQueued?: number;
  /** Consecutive failures that open the circuit. */
  circuitFailures?: number;
  /** How long an open circuit refuses at once before one probe call. */
  circuitCooldownMs?: number;
  /** Most users whose answer is kept; past it the oldest is dropped. */
  maxCacheEntries?: number;
  /** Where changes of the circuit are told (a log throttle). */
  warnings?: { warn(key: string, details: Record<string, unknown>, message: string): void };
}

/** The webhook could not say whether a user exists: the mail is refused, to be sent again later. */
export class RecipientCheckUnavailableError extends Error {
  override readonly name = "RecipientCheckUnavailableError";
  constructor(
    message: string,
    /** When trying again may pass. */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What a send waits before trying again after a failed call (the circuit still closed). */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * `mailbox.recipients: webhook` [LIMIT-8]: asks an HTTP endpoint of the operator whether a
 * user exists, POST `{"user": ...}`; 200 with `{"exists": true|false}` decides. Anything else
 * (another status, no answer in time, a network error, a long or malformed answer, an open
 * circuit) rejects with RecipientCheckUnavailableError: the mail is neither accepted nor
 * dropped unseen.
 *
 * What a flood of sends can cost is bounded as for the auth webhook: one deadline per call, a
 * body cap, a few calls at once with a bounded queue, a circuit breaker, one call at a time per
 * user, and answers cached per user (yes and no alike) in a bounded map.
 */
export class WebhookRecipients {
  readonly #options: WebhookRecipientsOptions;
  readonly #answers: ExpiringCache<boolean>;
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #gate: ConcurrencyGate;
  readonly #breaker: CircuitBreaker;
  readonly #maxBodyBytes: number;

  constructor(options: WebhookRecipientsOptions) {
    if (!URL.canParse(options.url)) {
      throw new Error("mailbox.recipientWebhook.url: not a URL");
    }
    this.#options = options;
    // The global, not node:perf_hooks: fake timers replace it in tests of expiry.
    const clock = () => performance.now();
    this.#maxBodyBytes = options.maxBodyBytes ?? 65_536;
    this.#answers = new ExpiringCache(options.maxCacheEntries ?? 100_000, clock);
    this.#gate = new ConcurrencyGate(options.maxConcurrent ?? 16, options.maxQueued ?? 256);
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailures ?? 5,
      cooldownMs: options.circuitCooldownMs ?? 10_000,
      clock,
      onChange: (state, cause) => this.#circuitChanged(state, cause),
    });
  }

  /** The circuit's state, for tests and diagnostics. */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  /** Whether `userId` exists: at once when the answer is cached, else once the webhook answers. */
  has(userId: string): boolean | Promise<boolean> {
    const known = this.#answers.get(userId);
    if (known !== undefined) return known;
    const asked = this.#inFlight.get(userId);
    if (asked !== undefined) return asked;
    const admission = this.#breaker.admit();
    if (!admission.ok) {
      return Promise.reject(
        new RecipientCheckUnavailableError(
          "The recipient check (mailbox.recipientWebhook) is failing; the mail was not accepted.",
          admission.retryAfterMs,
        ),
      );
    }
    const call = this.#ask(userId, admission.probe).finally(() => this.#inFlight.delete(userId));
    this.#inFlight.set(userId, call);
    return call;
  }

  async #ask(userId: string, probe: boolean): Promise<boolean> {
    const { timeoutMs } = this.#options;
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    let started = false;
    try {
      const exists = await this.#gate.run(deadline.signal, () => {
        started = true;
        return this.#call(userId, deadline.signal);
      });
      this.#breaker.succeeded(probe);
      this.#answers.set(userId, exists, this.#options.cacheMs);
      return exists;
    } catch (error) {
      if (started) this.#breaker.failed(probe, describeFetchFailure(error));
      else this.#breaker.abandoned(probe);
      const why =
        error instanceof GateFullError ? "is busy" : started ? "failed" : "had no free call slot";
      throw new RecipientCheckUnavailableError(
        `The recipient check (mailbox.recipientWebhook) ${why}; the mail was not accepted.`,
        RETRY_AFTER_FAILURE_MS,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async #call(userId: string, signal: AbortSignal): Promise<boolean> {
    const response = await fetch(this.#options.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ user: userId }),
      // A redirected POST may be replayed as a GET; refuse to guess.
      redirect: "error",
      signal,
    });
    if (response.status !== 200) {
      await discardBody(response);
      throw new Error(`the recipient webhook answered ${response.status}`);
    }
    const max = this.#maxBodyBytes;
    const text = await boundedText(
      response,
      max,
      () => new Error(`the recipient webhook's answer is longer than ${max} bytes`),
    );
    const answer: unknown = JSON.parse(text);
    const exists =
      typeof answer === "object" && answer !== null && !Array.isArray(answer)
        ? (answer as Record<string, unknown>).exists
        : undefined;
    if (typeof exists !== "boolean") {
      throw new Error('the recipient webhook answered 200 without a boolean "exists"');
    }
    return exists;
  }

  #circuitChanged(state: CircuitState, cause: string): void {
    switch (state) {
      case "open":
        this.#options.warnings?.warn(
          "recipient_webhook_circuit_open",
          { cause, cooldownMs: this.#options.circuitCooldownMs ?? 10_000 },
          "recipient webhook circuit open: mail to recipients it would check is refused with recipient_check_unavailable",
        );
        return;
      case "closed":
        this.#options.warnings?.warn(
          "recipient_webhook_circuit_closed",
          { cause },
          "recipient webhook answers again: circuit closed",
        );
        return;
      case "half_open":
        return;
      default: {
        const unknown: never = state;
        throw new Error(`unknown circuit state ${String(unknown)}`);
      }
    }
  }
}
