import { PromMetrics } from "../../src/server/metrics/prom-metrics.js";

/** A node's metrics as the composition root makes them, without Node's process metrics. */
export function testMetrics(): PromMetrics {
  return new PromMetrics({
    processMetrics: false,
    build: { version: "0.0.0-test", commit: "abc1234", node: "v20.20.2" },
  });
}

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
export function samplesOf(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export async function samplesFrom(metrics: PromMetrics): Promise<Map<string, number>> {
  return samplesOf((await metrics.exposition()).text);
}
