import type { TestServer } from "./test-server.js";

/**
 * The value of one sample of the node's `/metrics` (Prometheus text), e.g.
 * `metricValue(server, "postoffice_slow_readers_total")` or, with labels,
 * `metricValue(server, 'postoffice_errors_total{code="rate_limited"}')`; undefined if absent.
 */
export async function metricValue(
  server: Pick<TestServer, "httpUrl">,
  sample: string,
): Promise<number | undefined> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  for (const line of text.split("\n")) {
    const space = line.lastIndexOf(" ");
    if (space > 0 && line.slice(0, space) === sample) return Number(line.slice(space + 1));
  }
  return undefined;
}
