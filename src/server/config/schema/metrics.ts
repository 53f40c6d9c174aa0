import type { SchemaNode } from "./schema-node.js";

/** `metrics`: Prometheus metrics. */
export const metrics: SchemaNode = {
  type: "object",
  description: "Prometheus metrics.",
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: "boolean",
      default: true,
      description: "Expose Prometheus metrics over HTTP.",
    },
    processMetrics: {
      type: "boolean",
      default: true,
      description: "Include Node.js process metrics (CPU, memory, event-loop lag).",
    },
  },
};
