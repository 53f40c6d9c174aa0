import type { SchemaNode } from "./schema-node.js";

/** `preset`: a named set of defaults under the operator's own keys. */
export const preset: SchemaNode = {
  type: "string",
  enum: ["none", "chat"],
  default: "none",
  description:
    "`chat`: the Broadcast Server's limits (512-byte frames, 5 messages per second); any key you set still wins.",
};
