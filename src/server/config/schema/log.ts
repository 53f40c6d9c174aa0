import type { SchemaNode } from "./schema-node.js";

/** Log levels, least severe first; `silent` writes nothing. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** `log`: logging. */
export const log: SchemaNode = {
  type: "object",
  description: "Logging.",
  additionalProperties: false,
  default: {},
  properties: {
    level: {
      type: "string",
      enum: logLevels,
      default: "info",
      description: "Least severe level written.",
    },
    format: {
      type: "string",
      enum: ["auto", "json", "pretty"],
      default: "auto",
      description: "`auto` = human-readable on a terminal, JSON otherwise.",
    },
  },
};
