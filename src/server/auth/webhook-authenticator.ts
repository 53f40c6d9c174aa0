import { createHash } from "node:crypto";
import { CircuitBreaker, type CircuitState } from "../resilience/circuit-breaker.js";
import { AddressBudget } from "./address-budget.js";
import type { AuthWarnings } from "./auth-warnings.js";
import { AuthError, type Authenticator, type Credentials, toAuthError } from "./authenticator.js";
import { ConcurrencyGate, GateFullError } from "./concurrency-gate.js";
import { ExpiringCache } from "./expiring-cache.js";
import type { Identity } from "./identity.js";
import { callWebhook } from "./webhook-call.js";

export interface WebhookAuthenticatorOptions {
  /** Endpoint that receives `{"token": ...}`. */
  url: string;
  /** One deadline for the whole call: waiting for a slot, connecting, the headers and the body. */
  timeoutMs: number;
  /** How long a successful answer is reused for the same token; 0 = never. */
  cacheTtlMs: number;
  /** How long a refusal (401, 403) is reused for the same token; 0 = never. */
  refusalCacheTtlMs: number;
  /** An answer longer than this is refused as `auth_unavailable` without being read further. */
  maxBodyBytes: number;
  /** Calls in flight at once. */
  maxConcurrent: number;
  /** Calls waiting for a slot; past it a call fails at once as `auth_unavailable`. */
  maxQueued: number;
  /** Consecutive failures that open the circuit. */
  circuitFailures: number;
  /** How long an open circuit answers `auth_unavailable` at once before one probe call. */
  circuitCooldownMs: number;
  /** While the webhook fails, attempts one client address may make per `addressWindowMs`. */
  addressBudget: number;
  addressWindowMs: number;
  /** Most cached answers (and rationed addresses) kept; past it the oldest is dropped. */
  maxCacheEntries?: number;
  /** Where changes of the circuit are reported (a log throttle). */
  warnings?: AuthWarnings;
}

/**
 * Asks an HTTP endpoint of the operator whether a token is good: POST `{"token": ...}`.
 * 200 with `{"user"|"userId"|"sub", "roles"?, "claims"?}` accepts; 401/403 refuses
 * (`token_rejected`); anything else (timeout, network, other status, bad or long answer) is
 * `auth_unavailable`, because the endpoint, not the client, is at fault [AUTH-5].
 *
 * What a flood of clients can cost is bounded: one deadline per call, a body cap, a few calls
 * at once with a bounded queue, a circuit breaker that stops calling a failing endpoint, the
 * same token asked once at a time, answers and refusals cached, and while the endpoint fails,
 * a small budget of attempts per client address.
 */
export class WebhookAuthenticator implements Authenticator {
  readonly #options: WebhookAuthenticatorOptions;
  // Keyed by the token's digest so that a heap dump does not hold the tokens themselves.
  readonly #identities: ExpiringCache<Identity>;
  readonly #refusals: ExpiringCache<true>;
  readonly #inFlight = new Map<string, Promise<Identity>>();
  readonly #deadlines = new Set<AbortController>();
  readonly #gate: ConcurrencyGate;
  readonly #breaker: CircuitBreaker;
  readonly #budget: AddressBudget;

  constructor(options: WebhookAuthenticatorOptions) {
    if (!URL.canParse(options.url)) {
      throw new Error(`auth.webhook.url: not a URL: ${options.url}`);
    }
    this.#options = options;
    const clock = () => performance.now();
    const maxEntries = options.maxCacheEntries ?? 10_000;
    this.#identities = new ExpiringCache(maxEntries, clock);
    this.#refusals = new ExpiringCache(maxEntries, clock);
    this.#gate = new ConcurrencyGate(options.maxConcurrent, options.maxQueued);
    this.#budget = new AddressBudget({
      budget: options.addressBudget,
      windowMs: options.addressWindowMs,
      maxAddresses: maxEntries,
      clock,
    });
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailures,
      cooldownMs: options.circuitCooldownMs,
      clock,
      onChange: (state, cause) => this.#circuitChanged(state, cause),
    });
  }

  /** The circuit's state, for tests and diagnostics. */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const digest = sha256(credentials.token);
    const known = this.#identities.get(digest);
    if (known !== undefined) return copy(known);
    if (this.#refusals.get(digest) !== undefined) {
      throw new AuthError("token_rejected", "the auth webhook refused the token (remembered)");
    }
    let call = this.#inFlight.get(digest);
    if (call === undefined) {
      this.#ration(credentials.address);
      const admission = this.#breaker.admit();
      if (!admission.ok) {
        throw new AuthError("auth_unavailable", "the auth webhook's circuit is open", {
          retryAfterMs: admission.retryAfterMs,
        });
      }
      call = this.#ask(credentials.token, digest, admission.probe).finally(() =>
        this.#inFlight.delete(digest),
      );
      this.#inFlight.set(digest, call);
    }
    return copy(await call);
  }

  async close(): Promise<void> {
    for (const deadline of this.#deadlines) deadline.abort(new Error("the server is closing"));
    this.#identities.clear();
    this.#refusals.clear();
    this.#budget.clear();
  }

  /** While the webhook fails, each client address gets a few attempts, not a flood [AUTH-5]. */
  #ration(address: string | undefined): void {
    if (address === undefined || this.#breaker.healthy) return;
    const verdict = this.#budget.take(address);
    if (!verdict.ok) {
      throw new AuthError(
        "auth_unavailable",
        `the auth webhook is failing and ${address} has spent its attempts`,
        { retryAfterMs: verdict.retryAfterMs },
      );
    }
  }

  async #ask(token: string, digest: string, probe: boolean): Promise<Identity> {
    const { timeoutMs, maxBodyBytes, url } = this.#options;
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    this.#deadlines.add(deadline);
    let started = false;
    try {
      const identity = await this.#gate.run(deadline.signal, () => {
        started = true;
        return callWebhook({ url, token, signal: deadline.signal, maxBodyBytes });
      });
      this.#answered(probe);
      this.#identities.set(digest, identity, this.#options.cacheTtlMs);
      return identity;
    } catch (error) {
      if (!started) {
        this.#breaker.abandoned(probe);
        throw busy(error, timeoutMs);
      }
      const refusal = toAuthError(error);
      if (refusal.reason === "auth_unavailable") {
        this.#breaker.failed(probe, refusal.message);
      } else {
        this.#answered(probe);
        if (refusal.reason === "token_rejected") {
          this.#refusals.set(digest, true, this.#options.refusalCacheTtlMs);
        }
      }
      throw refusal;
    } finally {
      clearTimeout(timer);
      this.#deadlines.delete(deadline);
    }
  }

  #answered(probe: boolean): void {
    this.#breaker.succeeded(probe);
    // The trouble is over: no address owes anything any more.
    if (this.#breaker.healthy) this.#budget.clear();
  }

  #circuitChanged(state: CircuitState, cause: string): void {
    switch (state) {
      case "open":
        this.#options.warnings?.warn(
          "auth_webhook_circuit_open",
          { cause, cooldownMs: this.#options.circuitCooldownMs },
          "auth webhook circuit open: tokens it would check are answered auth_unavailable at once",
        );
        return;
      case "closed":
        this.#options.warnings?.warn(
          "auth_webhook_circuit_closed",
          { cause },
          "auth webhook answers again: circuit closed",
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

/** A call that never got a slot: the queue was full, or its deadline passed while it waited. */
function busy(error: unknown, timeoutMs: number): AuthError {
  const message =
    error instanceof GateFullError
      ? `the auth webhook is busy: ${error.message}`
      : `no free call slot for the auth webhook within ${timeoutMs} ms`;
  return new AuthError("auth_unavailable", message, { cause: error });
}

// Cached identities are shared; callers get their own arrays so one cannot edit another's roles.
function copy(identity: Identity): Identity {
  return { ...identity, roles: [...identity.roles], claims: { ...identity.claims } };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
