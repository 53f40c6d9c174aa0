import { section, userSchema } from "./nodes.js";

/** `validation`: JSON Schemas that client frames must satisfy. */
export const validation = section(
  "JSON Schemas that client frames must satisfy, compiled once at start.",
  {
    message: userSchema(
      "A JSON Schema (draft-07) for the `data` of `message` frames, `to` included. A violation is refused with `schema_violation` and the JSON pointer of the first failure.",
    ),
  },
);
