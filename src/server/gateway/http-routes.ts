import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "../metrics/metrics.js";

export type NodeState = "starting" | "ready" | "draining";

export interface HttpRouteDeps {
  version: string;
  nodeId: string;
  startedAt: number;
  state: () => NodeState;
  connections: () => number;
  metrics: Metrics | undefined;
}

/** The operator's HTTP endpoints: /health (liveness), /ready (readiness), /metrics. */
export function createHttpRoutes(
  deps: HttpRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, {
        error: { code: "method_not_allowed", message: `${req.method} is not allowed here.` },
      });
      return;
    }
    switch (path) {
      case "/health":
        sendJson(res, 200, {
          status: deps.state() === "draining" ? "draining" : "ok",
          version: deps.version,
          node: deps.nodeId,
          uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
          connections: deps.connections(),
        });
        return;
      case "/ready": {
        const state = deps.state();
        sendJson(res, state === "ready" ? 200 : 503, { ready: state === "ready", state });
        return;
      }
      case "/metrics":
        if (deps.metrics) {
          serveMetrics(deps.metrics, res);
          return;
        }
        break;
    }
    sendJson(res, 404, { error: { code: "not_found", message: `No route for ${path}.` } });
  };
}

function serveMetrics(metrics: Metrics, res: ServerResponse): void {
  metrics.registry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
    },
    (error: unknown) => {
      sendJson(res, 500, { error: { code: "internal_error", message: String(error) } });
    },
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(text);
}
