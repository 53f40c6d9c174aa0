import type { IncomingMessage, ServerResponse } from "node:http";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { TObject } from "typebox";
import { AddressBudget } from "../auth/address-budget.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import { monotonicNow } from "../session/rate-limiter.js";
import { TokenBucket } from "../session/token-bucket.js";
import { ApiError } from "./api-errors.js";
import { hasBody, presentedKey, readJson, sendJson } from "./api-http.js";
import { type ApiCaller, type ApiKeys, type ApiScope, grants } from "./api-keys.js";
import type { ApiRoute } from "./api-route.js";
import { type RouteMatch, RouteTable } from "./route-table.js";

export interface ApiHandlerOptions {
  keys: ApiKeys;
  routes: readonly ApiRoute[];
  /** Per key; `perSecond` 0 turns it off. */
  rate: { perSecond: number; burst: number };
  maxBodyBytes: number;
  /** False while the node starts, drains or has lost its shared backends. */
  ready: () => boolean;
  log: Logger;
  throttle: LogThrottle;
  clock?: () => number;
}

/** Wrong keys one client address may present per minute before it is answered 429. */
const WRONG_KEYS_PER_MINUTE = 30;

/** Checked parts of a request, validated by the schemas the OpenAPI document shows. */
interface Validators {
  params: ValidateFunction | undefined;
  query: ValidateFunction | undefined;
  body: ValidateFunction | undefined;
}

/**
 * The server API's dispatcher (`/api/v1/...`): route, key, scope, rate, readiness, then the
 * request's parts against the route's schemas, then the route. Every answer is JSON; every
 * refusal has a code from api-errors.ts. It reads no body before the key is checked, and
 * none larger than `maxBodyBytes`.
 */
export class ApiHandler {
  readonly #options: ApiHandlerOptions;
  readonly #table: RouteTable;
  readonly #validators = new Map<ApiRoute, Validators>();
  readonly #buckets = new Map<number, TokenBucket>();
  readonly #wrongKeys: AddressBudget;
  readonly #clock: () => number;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: ApiHandlerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? monotonicNow;
    this.#table = new RouteTable(options.routes);
    this.#wrongKeys = new AddressBudget({
      budget: WRONG_KEYS_PER_MINUTE,
      windowMs: 60_000,
      maxAddresses: 10_000,
      clock: this.#clock,
    });
    // Path and query values arrive as text: "12" is the integer 12 there, and only there.
    const text = new Ajv({ coerceTypes: true, allErrors: false });
    const json = new Ajv({ allErrors: false });
    for (const route of options.routes) {
      this.#validators.set(route, {
        params: compile(text, route.params),
        query: compile(text, route.query),
        body:
          route.body === undefined || route.body.check !== undefined
            ? undefined
            : json.compile(route.body.schema),
      });
    }
  }

  /** Whether a key is configured; without one the API is off. */
  get enabled(): boolean {
    return this.#options.keys.enabled;
  }

  /** Answers one request under `/api/v1/`. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const done = this.#answer(req, res).catch((error: unknown) => {
      this.#options.log.error({ err: error }, "server API request failed");
      this.#send(req, res, new ApiError("internal_error", "The server failed; retry later."));
    });
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  };

  /** Resolves once the requests being answered are (a drain waits for them, bounded). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { status, body } = await this.#dispatch(req);
      sendJson(req, res, status, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.#send(req, res, error);
    }
  }

  async #dispatch(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    if (!this.#options.keys.enabled) {
      throw new ApiError(
        "not_found",
        "The server API is off: no API key is configured (api.keys, POSTOFFICE_API_KEYS).",
      );
    }
    const match = this.#table.match(req.method ?? "GET", path);
    if (match.kind !== "found") {
      if (match.kind === "method") {
        throw new ApiError("method_not_allowed", `${req.method} is not allowed here.`, {
          allow: match.allow.join(", "),
        });
      }
      throw new ApiError("not_found", `No route for ${path.slice(0, 200)}.`);
    }
    const { route } = match;
    const caller = route.scope === null ? undefined : this.authorize(req, route.scope);
    if (caller !== undefined) this.#spend(caller, 1);
    if (route.scope !== null && !this.#options.ready()) {
      throw new ApiError(
        "not_ready",
        "The node is not ready (starting, draining, or without Redis).",
        {
          retryAfterMs: 1000,
        },
      );
    }
    const validators = this.#validators.get(route) as Validators;
    const params = checked(validators.params, decodeParams(match), "/params");
    const queryValues = checked(
      validators.query,
      Object.fromEntries(new URLSearchParams(query < 0 ? "" : url.slice(query + 1))),
      "/query",
    );
    const body = await this.#body(req, route, validators.body);
    if (caller !== undefined) this.#spend(caller, route.cost(body) - 1);
    return route.handle({
      caller: caller ?? { name: "", scopes: new Set(), index: -1 },
      body,
      params,
      query: queryValues,
      headers: req.headers,
    });
  }

  /**
   * The caller whose key the request presents, holding `scope`: 401 without a valid key (429
   * for an address that keeps presenting wrong ones), 403 without the scope. The one key check
   * of the node: the dashboard's data (/api/stats) is admitted by it too.
   */
  authorize(req: IncomingMessage, scope: ApiScope): ApiCaller {
    const caller = this.#options.keys.find(presentedKey(req));
    if (caller === undefined) {
      const address = req.socket.remoteAddress ?? "unknown";
      this.#options.throttle.warn("api_unauthorized", { address }, "server API key refused");
      const budget = this.#wrongKeys.take(address);
      if (!budget.ok) {
        throw new ApiError("rate_limited", "Too many wrong API keys from this address.", {
          retryAfterMs: budget.retryAfterMs,
        });
      }
      throw new ApiError(
        "unauthorized",
        "A valid API key is needed: `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
      );
    }
    if (!grants(caller, scope)) {
      throw new ApiError(
        "insufficient_scope",
        `This route needs the \`${scope}\` scope; the key of ${caller.name} has ${[...caller.scopes].join(", ")}.`,
      );
    }
    return caller;
  }

  /**
   * Takes tokens from the key's bucket; refused while it is empty. More than one token (a
   * batch) may leave it in debt, which the next requests wait out.
   */
  #spend(caller: ApiCaller, tokens: number): void {
    const { perSecond, burst } = this.#options.rate;
    if (perSecond === 0 || tokens <= 0) return;
    const now = this.#clock();
    let bucket = this.#buckets.get(caller.index);
    if (bucket === undefined) {
      bucket = new TokenBucket(perSecond, burst, now);
      this.#buckets.set(caller.index, bucket);
    }
    const wait = bucket.waitMs(now);
    if (wait > 0) {
      throw new ApiError(
        "rate_limited",
        `Over this key's rate (api.rate); retry after ${wait} ms.`,
        {
          retryAfterMs: wait,
        },
      );
    }
    for (let i = 0; i < tokens; i++) bucket.take();
  }

  async #body(
    req: IncomingMessage,
    route: ApiRoute,
    validate: ValidateFunction | undefined,
  ): Promise<unknown> {
    const spec = route.body;
    if (spec === undefined || (!spec.required && !hasBody(req))) return undefined;
    const value = await readJson(req, this.#options.maxBodyBytes);
    if (spec.check !== undefined) {
      const result = spec.check(value);
      if (result.ok) return result.value;
      throw new ApiError("invalid_request", `${result.pointer || "The body"} ${result.message}.`, {
        pointer: result.pointer,
      });
    }
    return checked(validate, value, "");
  }

  #send(req: IncomingMessage, res: ServerResponse, error: ApiError): void {
    sendJson(req, res, error.status, error.body(), error.headers());
  }
}

function compile(ajv: Ajv, schema: TObject | undefined): ValidateFunction | undefined {
  return schema === undefined ? undefined : ajv.compile(schema);
}

function decodeParams(match: Extract<RouteMatch, { kind: "found" }>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(match.params)) {
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      throw new ApiError("invalid_request", "is not a valid percent-encoded path segment.", {
        pointer: `/params/${name}`,
      });
    }
  }
  return params;
}

/** The value as the schema made it (coerced), or a 400 naming the first fault. */
function checked(validate: ValidateFunction | undefined, value: unknown, prefix: string): unknown {
  if (validate === undefined) return value;
  if (validate(value)) return value;
  const error = validate.errors?.[0];
  const pointer = `${prefix}${where(error)}`;
  throw new ApiError(
    "invalid_request",
    `${pointer || "The body"} ${error?.message ?? "does not match the schema"}.`,
    { pointer },
  );
}

function where(error: ErrorObject | undefined): string {
  if (error === undefined) return "";
  if (error.keyword === "additionalProperties") {
    const extra = String((error.params as { additionalProperty: unknown }).additionalProperty);
    return `${error.instancePath}/${extra}`;
  }
  return error.instancePath;
}
