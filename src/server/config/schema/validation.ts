import type { SchemaNode } from "./schema-node.js";

/** `validation`: JSON Schemas that client frames must satisfy. */
export const validation: SchemaNode = {
  type: "object",
  description: "JSON Schemas that client frames must satisfy, compiled once at start.",
  additionalProperties: false,
  default: {},
  properties: {
    message: {
      type: "object",
      userSchema: true,
      description:
        "A JSON Schema (draft-07) for the `data` of `message` frames, `to` included. A violation is refused with `schema_violation` and the JSON pointer of the first failure.",
    },
  },
};
