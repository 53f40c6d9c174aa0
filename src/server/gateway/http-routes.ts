import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebInfo } from "../../protocol/index.js";
import type { MetricsReport } from "../metrics/metrics.js";
import { type MetricsVerdict, metricsRefusal } from "./metrics-access.js";
import { loadStaticAssets, type StaticAsset } from "./static-assets.js";
import type { Stats } from "./stats.js";

/** `unavailable`: running, but it cannot keep mail: Redis is unreachable, or the mailbox store cannot write. */
export type NodeState = "starting" | "ready" | "unavailable" | "draining";

export interface HttpRouteDeps {
  version: string;
  nodeId: string;
  startedAt: number;
  state: () => NodeState;
  /**
   * Whether the mailbox store writes now [OPS-2]: when false, /ready says `unavailable` while
   * upgrades are still admitted (a client may still read its mail). Absent: always.
   */
  storeWrites?: (() => boolean) | undefined;
  connections: () => number;
  metrics: MetricsReport | undefined;
  /** `GET /api/stats` for the dashboard; absent when metrics are off (404, like /metrics). */
  stats?: (() => Promise<Stats>) | undefined;
  /**
   * Who may read `/api/stats`: a refusal to answer with, or undefined to admit. Absent: open.
   * The node's decides by `server.host` and the server API's keys (api/stats-access.ts).
   */
  statsAccess?: (req: IncomingMessage) => HttpRefusal | undefined;
  /** Who may read /metrics (metrics.token, metrics.allowFrom); absent: anyone. */
  metricsAccess?: { check(req: IncomingMessage): MetricsVerdict } | undefined;
  /** What the web page needs to know to connect (`GET /api/info`). */
  web?: WebInfo;
  /** The built web page (default: `dist/web/`, read once here). */
  webDir?: string;
  /**
   * More of `/ready`'s body: links that do not decide readiness (the AMQP bridge: mail waits
   * in RabbitMQ and events in the outbox while it is down, and clients are served).
   */
  readyDetails?: () => Record<string, string>;
  /** The server API, which answers everything under `/api/v1/` (api/api-handler.ts). */
  api?: (req: IncomingMessage, res: ServerResponse) => void;
}

export type { WebInfo };

/** A refused request's answer: a status, its JSON error body, headers (`WWW-Authenticate`). */
export interface HttpRefusal {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Headers of the HTML pages: their scripts and styles come from this server only. */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * The node's HTTP endpoints: /health (liveness), /ready (readiness), /metrics, and the web
 * page: / (chat), /dashboard, /assets/* and the JSON they read, /api/info and /api/stats; and
 * the server API under /api/v1/, mounted from the composition root.
 */
export function createHttpRoutes(
  deps: HttpRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = loadStaticAssets(deps.webDir);
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (deps.api !== undefined && path.startsWith("/api/v1/")) {
      deps.api(req, res);
      return;
    }
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
        const own = deps.state();
        const state = own === "ready" && deps.storeWrites?.() === false ? "unavailable" : own;
        sendJson(res, state === "ready" ? 200 : 503, {
          ready: state === "ready",
          state,
          ...deps.readyDetails?.(),
        });
        return;
      }
      case "/metrics":
        if (deps.metrics) {
          if (admitted(req, res, deps.metricsAccess)) serveMetrics(deps.metrics, res);
          return;
        }
        break;
      case "/api/stats":
        if (deps.stats) {
          if (refused(deps.statsAccess, req, res)) return;
          serveStats(deps.stats, res);
          return;
        }
        break;
      case "/api/info":
        if (deps.web) {
          sendJson(res, 200, { version: deps.version, ...deps.web });
          return;
        }
        break;
    }
    const asset = assets?.get(path);
    if (asset) {
      serveAsset(req, res, asset);
      return;
    }
    if (assets === undefined && (PAGE_PATHS.has(path) || path.startsWith("/assets/"))) {
      sendJson(res, 404, {
        error: {
          code: "not_found",
          message: "The web page is not built: run `npm run build` (it writes dist/web/).",
        },
      });
      return;
    }
    sendJson(res, 404, { error: { code: "not_found", message: `No route for ${path}.` } });
  };
}

const PAGE_PATHS = new Set(["/", "/dashboard"]);
const RESERVED_PATHS = new Set(["/health", "/ready", "/metrics", "/dashboard"]);
const RESERVED_PREFIXES = ["/api/", "/assets/"];

/**
 * Whether a path is one of the node's HTTP routes (or under one of their prefixes), which a
 * catch-all WebSocket endpoint (`endpoints[].path: "*"`) leaves to them. All but `/`: the page
 * there is never an upgrade, and `ws://host:port/?clientID=…` is where GO-POSTOFFICE's clients
 * connect.
 */
export function isHttpRoute(path: string): boolean {
  return RESERVED_PATHS.has(path) || RESERVED_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** Whether the request may read the metrics; if not, it is answered here (401 or 403). */
function admitted(
  req: IncomingMessage,
  res: ServerResponse,
  access: HttpRouteDeps["metricsAccess"],
): boolean {
  const refusal = metricsRefusal(access?.check(req) ?? "allowed");
  if (refusal === undefined) return true;
  sendJson(res, refusal.status, refusal.body, refusal.headers);
  return false;
}

function serveAsset(req: IncomingMessage, res: ServerResponse, asset: StaticAsset): void {
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": asset.cacheControl,
    etag: asset.etag,
    "x-content-type-options": "nosniff",
    ...(asset.contentType.startsWith("text/html") ? PAGE_HEADERS : {}),
  };
  if (req.headers["if-none-match"] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": String(asset.body.length) });
  res.end(asset.body);
}

/** Whether the access check refused the request, and answered it. */
function refused(
  access: HttpRouteDeps["statsAccess"],
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const refusal = access?.(req);
  if (refusal === undefined) return false;
  sendJson(res, refusal.status, refusal.body, refusal.headers);
  return true;
}

function serveStats(stats: () => Promise<Stats>, res: ServerResponse): void {
  stats().then(
    (body) => sendJson(res, 200, body),
    (error: unknown) => {
      sendJson(res, 500, { error: { code: "internal_error", message: String(error) } });
    },
  );
}

function serveMetrics(metrics: MetricsReport, res: ServerResponse): void {
  metrics.exposition().then(
    ({ contentType, text }) => {
      res.writeHead(200, {
        "content-type": contentType,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(text);
    },
    (error: unknown) => {
      sendJson(res, 500, { error: { code: "internal_error", message: String(error) } });
    },
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    // A browser must never read an answer as anything but JSON (a body with HTML in it).
    "x-content-type-options": "nosniff",
  });
  res.end(text);
}
