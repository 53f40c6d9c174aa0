import { Type } from "typebox";
import type { JsonValue } from "../../protocol/index.js";
import { EVENT_NAME } from "../events/compile/compile-events.js";
import type { EventRefusalCode } from "../events/refusal.js";
import { MAX_ID_LENGTH } from "../publish/publish-request.js";
import { ApiError, type ApiErrorCode } from "./api-errors.js";
import { type ApiRoute, defineRoute } from "./api-route.js";
import type { ServiceEvents } from "./service-event-ports.js";

export interface EventRouteDeps {
  events: ServiceEvents;
}

const notice = Type.Object({ event: Type.String(), payload: Type.Unknown() });

export const EVENT_REQUEST = Type.Object(
  {
    event: Type.String({ pattern: EVENT_NAME.source, description: "A declared event's name." }),
    target: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description: "A room, or `user:<id>`, as the event's `target` takes; absent for none.",
      }),
    ),
    payload: Type.Optional(Type.Unknown({ description: "The event's payload; absent is `{}`." })),
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_ID_LENGTH,
        description: "Makes a retried event's mail land once, as a client's `event` frame `id`.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const EVENT_RECEIPT = Type.Object(
  {
    status: Type.Literal("accepted"),
    event: Type.String(),
    id: Type.String({ description: "The event's server id." }),
    ts: Type.Integer({ description: "Server time the event started, epoch milliseconds." }),
    reply: Type.Optional(notice),
    mail: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String(),
          to: Type.String(),
          seq: Type.Integer(),
          ts: Type.Integer(),
        }),
        { description: "Mail its `mail` actions stored." },
      ),
    ),
    notices: Type.Optional(
      Type.Array(notice, { description: "What `notify_origin` addressed to the caller." }),
    ),
  },
  { description: "The event was accepted: every action is done." },
);

/** Each refusal of an event as the API's error code of the same name (docs/api.md). */
const REFUSALS: { readonly [Code in EventRefusalCode]: ApiErrorCode } = {
  unknown_event: "unknown_event",
  invalid_target: "invalid_target",
  schema_violation: "schema_violation",
  forbidden: "forbidden",
  not_a_member: "not_a_member",
  rate_limited: "rate_limited",
  template_path_missing: "template_path_missing",
  invalid_param: "invalid_param",
  action_failed: "action_failed",
  room_limit: "room_limit",
  room_full: "room_full",
  mailbox_full: "mailbox_full",
  store_unavailable: "store_unavailable",
};

/** `POST /api/v1/events`: a declared event, sent by the key's service. */
export function eventRoutes(deps: EventRouteDeps): ApiRoute[] {
  const send = defineRoute({
    method: "POST",
    path: "/api/v1/events",
    operationId: "sendEvent",
    summary: "Send a declared event as the key's service",
    description:
      "Runs a declared event (docs/rules.md) as a client's `event` frame would, with the key's service as the sender and its `roles` for `allow` and `permissions`. A service has no connection: it is in no room (`join`, `allow: {member: true}` and `notify_room` refuse), and `notify_origin`'s notices come back in `notices`. Answered once every action is done, or with the refusal's code.",
    scope: "publish",
    body: { schema: EVENT_REQUEST },
    responses: [{ status: 200, description: "Accepted.", schema: EVENT_RECEIPT }],
    errors: [...new Set(Object.values(REFUSALS))],
    async handle({ caller, body }) {
      const outcome = await deps.events.run(caller.name, {
        event: body.event,
        ...(body.target === undefined ? {} : { target: body.target }),
        ...(body.payload === undefined ? {} : { payload: body.payload as JsonValue }),
        ...(body.id === undefined ? {} : { id: body.id }),
      });
      if (!outcome.ok) {
        const { code, message, pointer, retryAfterMs, reason } = outcome.refusal;
        throw new ApiError(REFUSALS[code], message, {
          ...(pointer === undefined ? {} : { pointer }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          ...(reason === undefined ? {} : { reason }),
        });
      }
      const { ok: _ok, ...receipt } = outcome;
      return { status: 200, body: { status: "accepted", ...receipt } };
    },
  });
  return [send];
}
