import type { IncomingMessage } from "node:http";
import { isLoopback } from "../config/loopback.js";
import { ApiError, type ApiErrorBody } from "./api-errors.js";
import type { ApiCaller, ApiScope } from "./api-keys.js";

/** The server API's key check (api-handler.ts), the only one the node has. */
export interface KeyCheck {
  /** Whether any key is configured (`api.keys`). */
  readonly enabled: boolean;
  authorize(req: IncomingMessage, scope: ApiScope): ApiCaller;
}

/** The answer to a refused request. */
export interface AccessRefusal {
  status: number;
  headers: Record<string, string>;
  body: ApiErrorBody;
}

/** Decides a request for the dashboard's data: undefined admits it. */
export type StatsAccess = (req: IncomingMessage) => AccessRefusal | undefined;

/**
 * Who may read `/api/stats`, the dashboard's data. On a loopback `server.host` only this
 * machine can ask, so it stays open; on any other host it takes an API key with the `read`
 * scope (`admin` holds it), checked by the server API's own check: constant time, wrong keys
 * budgeted per address. `guard` is another way in that the operator configured (a
 * metrics token or address list, gateway/metrics-access.ts): a request it admits (undefined) needs no key,
 * and with it the data is guarded on a loopback host too (the operator asked for a guard).
 */
export function statsAccess(
  host: string,
  keys: KeyCheck,
  guard?: (req: IncomingMessage) => AccessRefusal | undefined,
): StatsAccess {
  if (guard === undefined && isLoopback(host)) return () => undefined;
  const unconfigured =
    guard === undefined
      ? new ApiError(
          "unauthorized",
          `The dashboard's data needs an API key when server.host is not loopback (it is ${JSON.stringify(host)}), ` +
            "and none is configured: add a key with scope read to api.keys (or POSTOFFICE_API_KEYS), then paste it on the dashboard.",
        )
      : new ApiError(
          "unauthorized",
          "The dashboard's data needs metrics.token (Authorization: Bearer), an address of metrics.allowFrom, or an API key with scope read.",
        );
  return (req) => {
    if (guard !== undefined) {
      const refused = guard(req);
      if (refused === undefined) return undefined;
      // Without API keys, the guard's own answer (403 outside metrics.allowFrom, 401 without
      // metrics.token) says best what is missing.
      if (!keys.enabled) return refused;
    } else if (!keys.enabled) return refusal(unconfigured);
    try {
      keys.authorize(req, "read");
      return undefined;
    } catch (error) {
      if (error instanceof ApiError) return refusal(error);
      throw error;
    }
  };
}

function refusal(error: ApiError): AccessRefusal {
  return { status: error.status, headers: error.headers(), body: error.body() };
}
