import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { type Static, Type } from "typebox";
import { type JsonObject, ROOM_NAME } from "../../protocol/index.js";

/** Longest user id a backend may name as a recipient. */
export const MAX_USER_ID_LENGTH = 256;
/** Most recipients of one request; more is a room's or a batch's work. */
export const MAX_RECIPIENTS = 1000;
/** Longest idempotency key. */
export const MAX_ID_LENGTH = 256;

const userId = Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH });
const common = {
  /** The mail's body, delivered untouched. */
  data: Type.Unsafe<JsonObject>({ type: "object" }),
  /**
   * Idempotency key, chosen by the backend: the same key from the same service is accepted
   * once (per recipient), and a retry is answered with the first acceptance.
   */
  id: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })),
};

/** Mail to one user or to each of several. */
const toUsers = Type.Object(
  {
    to: Type.Union([
      userId,
      Type.Array(userId, { minItems: 1, maxItems: MAX_RECIPIENTS, uniqueItems: true }),
    ]),
    ...common,
  },
  { additionalProperties: false },
);

/** A message to a room's members. */
const toRoom = Type.Object(
  { room: Type.String({ pattern: ROOM_NAME.source }), ...common },
  { additionalProperties: false },
);

/** A message to everyone connected. */
const toAll = Type.Object(
  { broadcast: Type.Literal(true), ...common },
  { additionalProperties: false },
);

/**
 * What a backend asks Postoffice to publish on its behalf: the body of `POST /api/v1/publish`
 * and of a message on the AMQP bridge's queue. Exactly one of `to`, `room`, `broadcast`.
 * One definition (TypeBox) gives the JSON Schema (draft-07, for ajv and the OpenAPI
 * document) and the TypeScript type.
 */
export const PUBLISH_REQUEST_SCHEMA = Type.Union([toUsers, toRoom, toAll]);
export type PublishRequest = Static<typeof PUBLISH_REQUEST_SCHEMA>;
export type PublishToUsers = Static<typeof toUsers>;
export type PublishToRoom = Static<typeof toRoom>;
export type PublishToAll = Static<typeof toAll>;

const ajv = new Ajv({ allErrors: false });
const validators: Record<"to" | "room" | "broadcast", ValidateFunction> = {
  to: ajv.compile(toUsers),
  room: ajv.compile(toRoom),
  broadcast: ajv.compile(toAll),
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
