import type { JsonValue } from "../../../protocol/index.js";
import { CircuitBreaker } from "../../resilience/circuit-breaker.js";

export interface WebhookCallOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  maxBodyBytes: number;
}

/** The webhook answered 4xx: its refusal of the event, in its words. */
export class WebhookRefusal extends Error {
  override readonly name = "WebhookRefusal";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The webhook could not be used: down, too slow, a 5xx, a body too large or not JSON. */
export class WebhookFailure extends Error {
  override readonly name = "WebhookFailure";
  constructor(
    message: string,
    /** Worth another try: network errors, timeouts, 408, 429 and 5xx. */
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The URL's circuit is open: it was not called. */
export class CircuitOpen extends Error {
  override readonly name = "CircuitOpen";
  constructor(
    url: string,
    readonly retryAfterMs: number,
  ) {
    super(`${url} failed too often; it is not called for a while`);
  }
}

export interface Breakers {
  /** One circuit per URL, shared by every step and event that calls it. */
  forUrl(url: string): CircuitBreaker;
}

/**
 * Circuits per URL (the shared breaker of resilience/, as the auth webhook's): after
 * `threshold` calls in a row failed, a URL is not called for `openMs` (events that use it fail
 * at once with `action_failed`), then one call tries it again. A call is counted once, after
 * its retries; only transient failures count against it (an answer, even a refusal, is the
 * endpoint being up). The URLs are the configuration's, so the map is bounded by it.
 */
export function createBreakers(
  threshold = 5,
  openMs = 30_000,
  clock: () => number = () => performance.now(),
): Breakers {
  const breakers = new Map<string, CircuitBreaker>();
  return {
    forUrl(url) {
      let breaker = breakers.get(url);
      if (breaker === undefined) {
        breaker = new CircuitBreaker({ failureThreshold: threshold, cooldownMs: openMs, clock });
        breakers.set(url, breaker);
      }
      return breaker;
    },
  };
}

/**
 * One call of the action: through the URL's circuit, retried after transient failures with
 * exponential backoff from 100 ms (to 2 s, with jitter). A WebhookRefusal, WebhookFailure or
 * CircuitOpen says why it gave up.
 */
export async function callThrough(
  breaker: CircuitBreaker,
  options: WebhookCallOptions,
  body: JsonValue,
  fetcher?: typeof fetch,
): Promise<JsonValue> {
  const admission = breaker.admit();
  if (!admission.ok) throw new CircuitOpen(options.url, admission.retryAfterMs);
  try {
    const answer = await withRetries(options.retries, () => callWebhook(options, body, fetcher));
    breaker.succeeded(admission.probe);
    return answer;
  } catch (error) {
    if (error instanceof WebhookFailure && error.transient) {
      breaker.failed(admission.probe, error.message);
    } else {
      breaker.succeeded(admission.probe);
    }
    throw error;
  }
}

async function withRetries<T>(retries: number, attempt: () => Promise<T>): Promise<T> {
  for (let done = 0; ; done++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WebhookFailure && error.transient) || done >= retries) throw error;
      const ceiling = Math.min(2_000, 100 * 2 ** done);
      await new Promise((resolve) =>
        setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)),
      );
    }
  }
}

/** POSTs `body` as JSON; the answer's JSON (null for an empty body), or a WebhookRefusal / WebhookFailure. */
export async function callWebhook(
  options: WebhookCallOptions,
  body: JsonValue,
  fetcher: typeof fetch = fetch,
): Promise<JsonValue> {
  let response: Response;
  try {
    response = await fetcher(options.url, {
      method: "POST",
      headers: {
        ...options.headers,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(body),
      // A redirected POST may be replayed elsewhere as a GET; refuse to guess.
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (cause) {
    const timedOut = (cause as Error).name === "TimeoutError";
    const why = timedOut ? `no answer within ${options.timeoutMs} ms` : describe(cause);
    throw new WebhookFailure(`webhook ${options.url}: ${why}`, true, { cause });
  }
  const text = await readCapped(response, options.maxBodyBytes, options.url);
  const { status } = response;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    throw new WebhookRefusal(status, refusalMessage(text, status));
  }
  if (status < 200 || status >= 300) {
    throw new WebhookFailure(`webhook ${options.url} answered ${status}`, status >= 408);
  }
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new WebhookFailure(
      `webhook ${options.url} answered ${status} with a body that is not JSON`,
      false,
      { cause },
    );
  }
}

/** The body as text, refused past `max` bytes without reading the rest. */
async function readCapped(response: Response, max: number, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw new WebhookFailure(
      `webhook ${url}: answer of ${declared} bytes is over maxBodyBytes (${max})`,
      false,
    );
  }
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new WebhookFailure(`webhook ${url}: the answer broke off (${describe(cause)})`, true, {
        cause,
      });
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new WebhookFailure(`webhook ${url}: answer over maxBodyBytes (${max})`, false);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `{"message": "..."}` from the answer, cut to 200 characters; a generic line otherwise. */
function refusalMessage(text: string, status: number): string {
  try {
    const answer = JSON.parse(text) as { message?: unknown };
    if (typeof answer.message === "string" && answer.message !== "")
      return answer.message.slice(0, 200);
  } catch {
    // Not JSON: the status says enough.
  }
  return `The event was refused by its webhook (${status}).`;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}
