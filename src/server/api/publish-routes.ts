import type { IncomingHttpHeaders } from "node:http";
import type { AcceptedItem, MailIntake, PublishOutcome } from "../publish/mail-intake.js";
import {
  MAX_ID_LENGTH,
  type PublishRequest,
  validatePublishRequest,
} from "../publish/publish-request.js";
import { ApiError, type ApiErrorCode } from "./api-errors.js";
import { type ApiReply, type ApiRoute, type BodyCheck, defineRoute } from "./api-route.js";
import {
  BATCH_RESULTS,
  batchRequest,
  IDEMPOTENCY_KEY,
  PUBLISH_ACCEPTED,
  PUBLISH_REQUEST_SCHEMA,
} from "./api-schemas.js";

export interface PublishRouteDeps {
  intake: MailIntake;
  maxBatchItems: number;
}

const idempotencyHeader = {
  name: "Idempotency-Key",
  description:
    "Makes a retry land once: the same key from the same service within `mailbox.idempotencyWindowMs` is accepted once per recipient and answered with the first acceptance; reused for a different request, 409. In a batch, item `i` without an `id` gets the key `<key>#<i>`.",
  schema: IDEMPOTENCY_KEY,
};

/** `POST /api/v1/publish` and `POST /api/v1/batch`: mail from a backend, through the intake. */
export function publishRoutes(deps: PublishRouteDeps): ApiRoute[] {
  const { intake } = deps;
  const publish = defineRoute({
    method: "POST",
    path: "/api/v1/publish",
    operationId: "publish",
    summary: "Publish mail to users, a room, or everyone",
    description:
      "Exactly one of `to` (a user id or up to 1000), `room` or `broadcast: true`, and `data`, the body the recipients get untouched in a `message` frame whose `from` is the key's service. Answered once the mail is accepted: kept in every recipient's mailbox (durably, as the store promises), or fanned out to the room or everyone.",
    scope: "publish",
    headers: [idempotencyHeader],
    body: { schema: PUBLISH_REQUEST_SCHEMA, check: checkPublish },
    responses: [{ status: 202, description: "Accepted.", schema: PUBLISH_ACCEPTED }],
    errors: [
      "schema_violation",
      "forbidden",
      "id_conflict",
      "mailbox_full",
      "store_unavailable",
      "outcome_unknown",
    ],
    async handle({ caller, body, headers }) {
      const request = withKey(body, idempotencyKey(headers), "/id");
      return reply(await intake.publish(caller.name, request));
    },
  });
  const schema = batchRequest(deps.maxBatchItems);
  const checkBatch: BodyCheck<{ items: PublishRequest[] }> = (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, pointer: "", message: "must be a JSON object with `items`" };
    }
    const { items, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) {
      return { ok: false, pointer: `/${extra}`, message: "is not a field of a batch" };
    }
    if (!Array.isArray(items) || items.length === 0 || items.length > deps.maxBatchItems) {
      return {
        ok: false,
        pointer: "/items",
        message: `must be an array of 1–${deps.maxBatchItems} publishes (api.maxBatchItems)`,
      };
    }
    const checked: PublishRequest[] = [];
    for (const [i, item] of items.entries()) {
      const one = validatePublishRequest(item);
      if (!one.ok) return { ok: false, pointer: `/items/${i}${one.pointer}`, message: one.message };
      checked.push(one.request);
    }
    return { ok: true, value: { items: checked } };
  };
  const batch = defineRoute({
    method: "POST",
    path: "/api/v1/batch",
    operationId: "batch",
    summary: "Many publishes in one request, answered per item",
    description:
      "Each item is a publish, checked and answered as `POST /api/v1/publish` would be; one item refused does not stop the others. Items start in order, so that mail to one user keeps it. Each item takes a token of the key's rate. A malformed item refuses the whole batch (400, its pointer under `/items/<i>`), before any is published.",
    scope: "publish",
    headers: [idempotencyHeader],
    body: { schema, check: checkBatch },
    cost: (body) => body.items.length,
    responses: [
      { status: 200, description: "Every item's answer, in order.", schema: BATCH_RESULTS },
    ],
    async handle({ caller, body, headers }) {
      const key = idempotencyKey(headers);
      const outcomes = await Promise.all(
        body.items.map((item, i) =>
          intake.publish(
            caller.name,
            withKey(item, key === undefined ? undefined : `${key}#${i}`, `/items/${i}/id`),
          ),
        ),
      );
      const results = outcomes.map((outcome) => {
        const error = failure(outcome);
        return error === undefined
          ? { status: 202, ...accepted(outcome) }
          : { status: error.status, ...error.body() };
      });
      return { status: 200, body: { results } };
    },
  });
  return [publish, batch];
}

/** The publish schema's own check, whose messages name the field at fault. */
const checkPublish: BodyCheck<PublishRequest> = (value) => {
  const checked = validatePublishRequest(value);
  return checked.ok ? { ok: true, value: checked.request } : checked;
};

/** `Idempotency-Key`, checked as the body's `id` is. */
function idempotencyKey(headers: IncomingHttpHeaders): string | undefined {
  const value = headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new ApiError("invalid_request", `must be 1–${MAX_ID_LENGTH} characters`, {
      pointer: "/headers/idempotency-key",
    });
  }
  return value;
}

/** The header's key as the request's `id`; the body's own `id`, when given, must agree. */
function withKey(
  request: PublishRequest,
  key: string | undefined,
  pointer: string,
): PublishRequest {
  if (key === undefined) return request;
  if (request.id === undefined) return { ...request, id: key };
  if (request.id === key || pointer !== "/id") return request;
  throw new ApiError(
    "invalid_request",
    "differs from the Idempotency-Key header: give the key once, or the same in both",
    { pointer },
  );
}

/** 202 with what was accepted, or the outcome's error. */
function reply(outcome: PublishOutcome): ApiReply {
  const error = failure(outcome);
  if (error !== undefined) throw error;
  return { status: 202, body: accepted(outcome) };
}

function accepted(outcome: PublishOutcome): { accepted: AcceptedItem[] } {
  return { accepted: outcome.status === "accepted" ? outcome.accepted : [] };
}

/** The error answer of an outcome that is not an acceptance. */
function failure(outcome: PublishOutcome): ApiError | undefined {
  switch (outcome.status) {
    case "accepted":
      return undefined;
    case "refused": {
      const code: ApiErrorCode = outcome.code === "malformed" ? "invalid_request" : outcome.code;
      const where = outcome.pointer === undefined ? {} : { pointer: outcome.pointer };
      return new ApiError(code, outcome.message, where);
    }
    case "failed":
      // Worth trying again soon: the store or the network may be back.
      return new ApiError(outcome.code, outcome.message, { retryAfterMs: 1000 });
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}
