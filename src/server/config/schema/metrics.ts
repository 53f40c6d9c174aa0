import { Type } from "typebox";
import { section } from "./nodes.js";

/** `metrics`: Prometheus metrics. */
export const metrics = section("Prometheus metrics.", {
  enabled: Type.Boolean({
    default: true,
    env: ["POSTOFFICE_METRICS_ENABLED"],
    description: "Expose Prometheus metrics over HTTP.",
  }),
  processMetrics: Type.Boolean({
    default: true,
    description: "Include Node.js process metrics (CPU, memory, event-loop lag).",
  }),
});
