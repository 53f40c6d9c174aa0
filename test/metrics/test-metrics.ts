import { PromMetrics } from "../../src/server/metrics/prom-metrics.js";

/** A node's metrics as the composition root makes them, without Node's process metrics. */
export function testMetrics(): PromMetrics {
  return new PromMetrics({
    processMetrics: false,
    build: { version: "0.0.0-test", commit: "unknown", node: process.version },
  });
}
