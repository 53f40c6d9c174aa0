import type { ConfigAnnotations } from "./keywords.js";

export type SchemaType = "object" | "array" | "string" | "integer" | "boolean";

/**
 * A node of `configSchema` as the code that walks it (error messages, environment
 * variables, redaction, docs) sees it: the subset of JSON Schema the configuration uses, plus
 * our annotations. The sections are written with TypeBox, which also gives `Config`.
 *
 * Every object level that is always present has `default: {}` because ajv's `useDefaults`
 * only descends into an object that exists: without it, zero configuration would not fill
 * `server.heartbeat`. TypeBox lists every key that is not `Optional` under `required`, those
 * with a default too: ajv fills defaults before it checks `required`, so only a key without a
 * default can be missing.
 */
export interface SchemaNode extends ConfigAnnotations {
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
}
