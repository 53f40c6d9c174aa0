import { Type } from "typebox";
import { ROOM_NAME } from "../../protocol/index.js";
import {
  MAX_ID_LENGTH,
  MAX_USER_ID_LENGTH,
  PUBLISH_REQUEST_SCHEMA,
} from "../publish/publish-request.js";
import { API_ERRORS, type ApiErrorCode } from "./api-errors.js";

/**
 * The server API's shapes, in TypeBox: the same objects validate requests and make the
 * OpenAPI document (openapi.ts). The publish request itself is publish/publish-request.ts's,
 * shared with the AMQP bridge.
 */

export { PUBLISH_REQUEST_SCHEMA };

const ts = Type.Integer({ description: "Server time, epoch milliseconds." });
const serverId = Type.String({ description: "The server's id of the message." });
const userId = Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH });
const roomName = Type.String({ pattern: ROOM_NAME.source });
const anyBody = Type.Unsafe<Record<string, unknown>>({
  type: "object",
  description: "The data as published, untouched.",
});

export const USER_PARAMS = Type.Object({ user: userId });
export const ROOM_PARAMS = Type.Object({ room: roomName });

export const IDEMPOTENCY_KEY = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });

export const ACCEPTED_ITEM = Type.Union([
  Type.Object({ id: serverId, to: userId, ts }, { description: "Mail kept in `to`'s mailbox." }),
  Type.Object({ id: serverId, room: roomName, ts }, { description: "A room message, fanned out." }),
  Type.Object(
    { id: serverId, broadcast: Type.Literal(true), ts },
    { description: "A broadcast, fanned out." },
  ),
]);

export const PUBLISH_ACCEPTED = Type.Object(
  {
    accepted: Type.Array(ACCEPTED_ITEM, {
      description:
        "One item per recipient mailbox, in the order of `to`; one for a room or a broadcast.",
    }),
  },
  { description: "Accepted: the mail is kept (durably, as the store promises) or fanned out." },
);

const errorCodes = Object.keys(API_ERRORS) as ApiErrorCode[];

export const ERROR_BODY = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ApiErrorCode>({ type: "string", enum: errorCodes }),
      message: Type.String({ description: "For people; says what to change." }),
      pointer: Type.Optional(
        Type.String({
          description:
            "JSON Pointer to the value at fault: in the body (`/to/2`), or `/params/…`, `/query/…`, `/headers/…`.",
        }),
      ),
      retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
      reason: Type.Optional(
        Type.String({
          description:
            "For a declared event's refusal: the rule or step that refused (`events.kick.allow`).",
        }),
      ),
    }),
  },
  { description: "An error, with a stable code (docs/api.md#errors)." },
);

export function batchRequest(maxItems: number) {
  return Type.Object(
    {
      items: Type.Array(PUBLISH_REQUEST_SCHEMA, {
        minItems: 1,
        maxItems,
        description: "Publishes, each as the body of `POST /api/v1/publish`.",
      }),
    },
    { additionalProperties: false },
  );
}

export const BATCH_RESULTS = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({ status: Type.Literal(202), accepted: PUBLISH_ACCEPTED.properties.accepted }),
      Type.Object({ status: Type.Integer({ minimum: 400 }), ...ERROR_BODY.properties }),
    ]),
    {
      description:
        "One per item, in the order of `items`: what `POST /api/v1/publish` would answer.",
    },
  ),
});

export const PRESENCE = Type.Object({
  room: roomName,
  members: Type.Array(userId, { description: "Users in the room (each once), on every node." }),
  sessions: Type.Integer({ minimum: 0, description: "Sessions in the room, all users together." }),
});

export const SESSIONS = Type.Object({
  user: userId,
  node: Type.String({ description: "The node that answered: the sessions listed are its own." }),
  sessions: Type.Array(
    Type.Object({
      id: Type.String(),
      node: Type.String(),
      dialect: Type.String({ description: "The protocol the client speaks (`native`, ...)." }),
      rooms: Type.Array(roomName),
      mailboxPosition: Type.Integer({
        minimum: 0,
        description: "Highest mailbox sequence handed to the session.",
      }),
      expiresAt: Type.Union([Type.Integer(), Type.Null()], {
        description: "When its credential expires (epoch ms), if it says.",
      }),
    }),
  ),
});

export const HISTORY_QUERY = Type.Object({
  since: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "Messages after this room sequence (default 0: all that are kept).",
    }),
  ),
});

export const HISTORY = Type.Object({
  room: roomName,
  position: Type.Integer({ minimum: 0, description: "The room's last sequence." }),
  recovered: Type.Boolean({
    description:
      "False when messages after `since` are no longer kept (`rooms.settings[].history`) or the room's numbering restarted.",
  }),
  messages: Type.Array(
    Type.Object({
      id: serverId,
      room: roomName,
      seq: Type.Integer(),
      from: userId,
      ts,
      body: anyBody,
    }),
  ),
});

export const MAILBOX_QUERY = Type.Object({
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "Entries after this sequence (default: the last acknowledged, so what waits).",
    }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: "Most entries (default 100)." }),
  ),
});

export const MAILBOX = Type.Object({
  user: userId,
  position: Type.Object({
    last: Type.Integer({ minimum: 0, description: "Highest sequence assigned." }),
    acked: Type.Integer({
      minimum: 0,
      description: "Highest sequence acknowledged (`delivered`).",
    }),
    read: Type.Integer({ minimum: 0, description: "Highest sequence marked read." }),
  }),
  entries: Type.Array(
    Type.Union([
      Type.Object({
        kind: Type.Literal("mail"),
        seq: Type.Integer(),
        id: serverId,
        from: userId,
        to: userId,
        ts,
        body: anyBody,
      }),
      Type.Object({
        kind: Type.Literal("receipt"),
        seq: Type.Integer(),
        status: Type.Union([Type.Literal("delivered"), Type.Literal("read")]),
        mailId: serverId,
        to: userId,
        ts,
      }),
    ]),
    { description: "Entries after `after`, in order, at most `limit`." },
  ),
  next: Type.Union([Type.Integer(), Type.Null()], {
    description: "The `after` of the next page, or null when this page reached the end.",
  }),
});

export const DISCONNECT_REQUEST = Type.Object(
  {
    code: Type.Optional(
      Type.Integer({
        minimum: 4000,
        maximum: 4999,
        description: "WebSocket close code (default 4403).",
      }),
    ),
    reason: Type.Optional(
      Type.String({
        maxLength: 120,
        description:
          "Close reason the client sees (default `disconnected`); at most 123 bytes of UTF-8.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const DISCONNECT_ACCEPTED = Type.Object({
  user: userId,
  code: Type.Integer(),
  reason: Type.String(),
  node: Type.String({ description: "The node that took the order." }),
  closedOnThisNode: Type.Integer({
    minimum: 0,
    description: "Sessions this node closed; every other node closes the user's sessions it holds.",
  }),
});
