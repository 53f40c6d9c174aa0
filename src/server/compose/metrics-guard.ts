import type { IncomingMessage } from "node:http";
import type { Config } from "../config/config.js";
import {
  createMetricsAccess,
  type MetricsRefusal,
  metricsRefusal,
} from "../gateway/metrics-access.js";

/** metrics.token / metrics.allowFrom as a way to the dashboard's data; undefined when unset. */
export function metricsGuard(
  options: Config["metrics"],
): ((req: IncomingMessage) => MetricsRefusal | undefined) | undefined {
  if (options.token === "" && options.allowFrom.length === 0) return undefined;
  const access = createMetricsAccess(options);
  return (req) => metricsRefusal(access.check(req));
}
