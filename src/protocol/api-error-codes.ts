/**
 * The catalogue of the server HTTP API's error codes (`/api/v1/`), each with its HTTP status
 * and what it means, mirrored in docs/api.md ("Errors") and in the OpenAPI document; shared
 * with the clients of that API (the CLI's `publish`). A code is stable once published; the
 * message is for people.
 */
export const API_ERRORS = {
  invalid_json: { status: 400, meaning: "The body is not JSON (UTF-8)." },
  invalid_request: {
    status: 400,
    meaning:
      "The body, a path parameter or a query parameter does not match its schema; `pointer` says where.",
  },
  schema_violation: {
    status: 400,
    meaning:
      "`data` does not satisfy `validation.message`, the schema clients' mail meets, or an event's payload its `payload` schema; `pointer` says where.",
  },
  unauthorized: {
    status: 401,
    meaning:
      "No API key, or a key that is not configured (`Authorization: Bearer <key>` or `X-API-Key`).",
  },
  insufficient_scope: { status: 403, meaning: "The key lacks the scope this route needs." },
  forbidden: {
    status: 403,
    meaning:
      "`permissions` do not let this service publish there, or send this event or do its actions; the message names the rule.",
  },
  not_found: {
    status: 404,
    meaning: "No such route, or the API is off: no key is configured (`api.keys`).",
  },
  method_not_allowed: {
    status: 405,
    meaning: "The route exists, with another method (see `Allow`).",
  },
  not_a_member: {
    status: 409,
    meaning: "An event's action notifies a room; a service is in no room (`POST /api/v1/events`).",
  },
  room_limit: {
    status: 409,
    meaning: "An event's action was refused by `rooms.maxPerConnection`.",
  },
  room_full: { status: 409, meaning: "An event's action was refused by `rooms.maxMembers`." },
  id_conflict: {
    status: 409,
    meaning:
      "The `Idempotency-Key` was used by this service for a different request within the idempotency window.",
  },
  mailbox_full: {
    status: 409,
    meaning:
      "A recipient's mailbox is full (`mailbox.overflow: refuse`); `pointer` names the recipient.",
  },
  too_large: {
    status: 413,
    meaning: "The body is over `api.maxBodyBytes`, or `data` over the limits of a client's mail.",
  },
  unsupported_media_type: { status: 415, meaning: "The body is not `application/json`." },
  unknown_event: { status: 422, meaning: "No event of that name is declared under `events:`." },
  invalid_target: {
    status: 422,
    meaning: "The event's `target` is missing, or is not what the event takes.",
  },
  template_path_missing: {
    status: 422,
    meaning: "A placeholder of the event names a path it does not have; `pointer` says which.",
  },
  invalid_param: {
    status: 422,
    meaning: "A placeholder of the event resolved to a value its action cannot use.",
  },
  rate_limited: {
    status: 429,
    meaning:
      "Over the key's rate (`api.rate`), an event's `rate_limit`, or too many wrong keys from this address; retry after `Retry-After`.",
  },
  internal_error: {
    status: 500,
    meaning: "The server failed; nothing is known to have been done.",
  },
  action_failed: {
    status: 502,
    meaning:
      "An event's action could not be done (its webhook is down, the server failed); the actions before it stay done.",
  },
  store_unavailable: {
    status: 503,
    meaning: "The mail could not be stored; nothing of it was accepted. Retry later.",
  },
  outcome_unknown: {
    status: 503,
    meaning:
      "The server failed midway: some recipients may have the mail. Retry with the same `Idempotency-Key`: it lands once.",
  },
  not_ready: {
    status: 503,
    meaning:
      "The node is starting, draining, or cannot reach its shared backends (Redis); retry after `Retry-After`, or on another node.",
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
