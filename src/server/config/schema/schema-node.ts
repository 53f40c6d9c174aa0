/**
 * The shape of a node of `configSchema`: the subset of JSON Schema draft-07 our configuration uses.
 *
 * Every object level has `default: {}` because ajv's `useDefaults` only descends into an
 * object that exists: without it, zero configuration would not fill `server.heartbeat`.
 * The one exception is a `userSchema` node (see below): open, optional, no default.
 */

export type SchemaType = "object" | "array" | "string" | "integer" | "boolean";

export interface SchemaNode {
  $schema?: string;
  type: SchemaType;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: false;
  items?: SchemaNode;
  uniqueItems?: boolean;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  /**
   * The value is a JSON Schema the operator writes (`validation.message`), not keys of ours: an
   * open object with no default, never descended into. Only here may an object lack
   * `additionalProperties: false` and `default: {}`; the schema tests enforce both rules for
   * every other object. Not a JSON Schema keyword: ajv is told to ignore it
   * (`annotationKeywords`).
   */
  userSchema?: true;
}

/** Our own keywords in `configSchema`, which carry meaning for us and none for validation. */
export const annotationKeywords = ["userSchema"];
