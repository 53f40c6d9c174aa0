import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from "ajv";
import { type JsonObject, ROOM_NAME } from "../../protocol/index.js";

/** Longest user id a backend may name as a recipient. */
export const MAX_USER_ID_LENGTH = 256;
/** Most recipients of one request; more is a room's or a batch's work. */
export const MAX_RECIPIENTS = 1000;
/** Longest idempotency key. */
export const MAX_ID_LENGTH = 256;

interface PublishCommon {
  /** The mail's body, delivered untouched. */
  data: JsonObject;
  /**
   * Idempotency key, chosen by the backend: the same key from the same service is accepted
   * once (per recipient), and a retry is answered with the first acceptance.
   */
  id?: string;
}

/** Mail to one user or to each of several. */
export interface PublishToUsers extends PublishCommon {
  to: string | string[];
}

/** A message to a room's members. */
export interface PublishToRoom extends PublishCommon {
  room: string;
}

/** A message to everyone connected. */
export interface PublishToAll extends PublishCommon {
  broadcast: true;
}

/**
 * What a backend asks Postoffice to publish on its behalf: the body of `POST /api/v1/publish`
 * and of a message on the AMQP bridge's queue. Exactly one of `to`, `room`, `broadcast`.
 */
export type PublishRequest = PublishToUsers | PublishToRoom | PublishToAll;

// The schemas are typed against the interfaces above (ajv's JSONSchemaType), so the compiler
// refuses a schema that drifts from its type. ajv's typing wants `nullable` on optional
// properties; `id: null` is then refused by `validatePublishRequest` itself.
const data = { type: "object", required: [] } as const;
const id = { type: "string", minLength: 1, maxLength: MAX_ID_LENGTH, nullable: true } as const;
const userId = { type: "string", minLength: 1, maxLength: MAX_USER_ID_LENGTH } as const;

const toUsersSchema: JSONSchemaType<PublishToUsers> = {
  type: "object",
  required: ["to", "data"],
  additionalProperties: false,
  properties: {
    to: {
      anyOf: [
        userId,
        { type: "array", items: userId, minItems: 1, maxItems: MAX_RECIPIENTS, uniqueItems: true },
      ],
    },
    data,
    id,
  },
};

const toRoomSchema: JSONSchemaType<PublishToRoom> = {
  type: "object",
  required: ["room", "data"],
  additionalProperties: false,
  properties: { room: { type: "string", pattern: ROOM_NAME.source }, data, id },
};

const toAllSchema: JSONSchemaType<PublishToAll> = {
  type: "object",
  required: ["broadcast", "data"],
  additionalProperties: false,
  properties: { broadcast: { type: "boolean", const: true }, data, id },
};

/** The JSON Schema (draft-07) of a `PublishRequest`, for the OpenAPI document. */
export const PUBLISH_REQUEST_SCHEMA: JSONSchemaType<PublishRequest> = {
  anyOf: [toUsersSchema, toRoomSchema, toAllSchema],
};

const ajv = new Ajv({ allErrors: false });
const validators: Record<"to" | "room" | "broadcast", ValidateFunction> = {
  to: ajv.compile(toUsersSchema),
  room: ajv.compile(toRoomSchema),
  broadcast: ajv.compile(toAllSchema),
};

export type PublishRequestCheck =
  | { ok: true; request: PublishRequest }
  /** `pointer`: a JSON Pointer to the value at fault ("" for the whole request). */
  | { ok: false; pointer: string; message: string };

/**
 * Checks a parsed JSON value against the schema, with messages for people: the recipient
 * kind is settled first, so that an error names the field at fault rather than "must match
 * a schema in anyOf".
 */
export function validatePublishRequest(value: unknown): PublishRequestCheck {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, pointer: "", message: "must be a JSON object" };
  }
  const request = value as Record<string, unknown>;
  const kinds = (["to", "room", "broadcast"] as const).filter((key) => request[key] !== undefined);
  const kind = kinds[0];
  if (kind === undefined || kinds.length > 1) {
    return {
      ok: false,
      pointer: "",
      message: "must name its recipients with exactly one of `to`, `room` or `broadcast`",
    };
  }
  if (request.id === null) return { ok: false, pointer: "/id", message: "must be a string" };
  const validate = validators[kind];
  if (validate(value)) return { ok: true, request: value as PublishRequest };
  return { ok: false, ...describe(validate.errors ?? []) };
}

function describe(errors: ErrorObject[]): { pointer: string; message: string } {
  // `to`'s two forms both fail before their `anyOf` does: say what either would take.
  const error = errors.find((each) => each.keyword === "anyOf") ?? errors[0];
  if (error === undefined) return { pointer: "", message: "does not match the schema" };
  if (error.keyword === "additionalProperties") {
    const extra = String((error.params as { additionalProperty: unknown }).additionalProperty);
    return { pointer: `${error.instancePath}/${extra}`, message: "is not a field of a publish" };
  }
  if (error.keyword === "anyOf" && error.instancePath === "/to") {
    return {
      pointer: "/to",
      message: `must be a user id or an array of 1–${MAX_RECIPIENTS} distinct user ids (each 1–${MAX_USER_ID_LENGTH} characters)`,
    };
  }
  if (error.keyword === "pattern" && error.instancePath === "/room") {
    return {
      pointer: "/room",
      message:
        "must be a room name: 1–64 letters, digits or . _ : -, starting with a letter or digit",
    };
  }
  return { pointer: error.instancePath, message: error.message ?? "does not match the schema" };
}
