/** Where a person or a program reaches a node: what the "postoffice is ready" line names. */
export interface PublicUrls {
  /** The WebSocket endpoint clients connect to. */
  url: string;
  /** The chat page. */
  chatUrl: string;
  /** The live dashboard. */
  dashboardUrl: string;
  /** Prometheus metrics; absent when `metrics.enabled` is off. */
  metricsUrl?: string;
}

/**
 * The URLs of a node listening on `host:port`, as someone on this machine opens them: an
 * address that listens everywhere (`0.0.0.0`, `::`) is shown as `localhost`.
 */
export function publicUrls(options: {
  host: string;
  port: number;
  path: string;
  metrics: boolean;
}): PublicUrls {
  const { host, port, path, metrics } = options;
  const shown =
    host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const http = `http://${shown}:${port}`;
  return {
    url: `ws://${shown}:${port}${path}`,
    chatUrl: `${http}/`,
    dashboardUrl: `${http}/dashboard`,
    ...(metrics ? { metricsUrl: `${http}/metrics` } : {}),
  };
}
