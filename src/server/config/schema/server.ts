import { Type } from "typebox";
import { dialectNames } from "./dialect-names.js";
import { oneOf, section } from "./nodes.js";
import { originPattern, urlPath } from "./patterns.js";

/** `server`: where and how the node listens. */
export const server = section("Where and how the node listens.", {
  host: Type.String({
    minLength: 1,
    default: "0.0.0.0",
    env: ["POSTOFFICE_HOST"],
    description: "Address to bind. `0.0.0.0` listens on every IPv4 interface.",
  }),
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8080,
    env: ["PORT", "POSTOFFICE_PORT"],
    description: "TCP port for HTTP and WebSocket upgrades. `0` picks a free port (for tests).",
  }),
  allowedOrigins: Type.Array(Type.String({ pattern: originPattern.pattern }), {
    default: [],
    env: ["POSTOFFICE_ALLOWED_ORIGINS"],
    description:
      "Browser origins allowed to connect: exact (`https://app.example.com`) or with `*.` before the host for any subdomain (`https://*.example.com`); others get HTTP 403. Empty: any origin, except that cookie logins must come from the same origin.",
  }),
  path: Type.String({
    pattern: urlPath.pattern,
    default: "/ws",
    env: ["POSTOFFICE_PATH"],
    description: "URL path where WebSocket upgrades are accepted.",
  }),
  dialect: oneOf(dialectNames, {
    default: "native",
    env: ["POSTOFFICE_DIALECT"],
    description:
      "How the clients of `server.path` talk: `native` (docs/protocol.md) or a seed server's protocol, for its clients unchanged (docs/migrating.md). `chat.enabled` (the `chat` preset) makes it `broadcast`. More endpoints: `endpoints`.",
  }),
  dataDir: Type.String({
    minLength: 1,
    default: "./data",
    env: ["POSTOFFICE_DATA_DIR"],
    description:
      "Directory for durable state (the SQLite mailboxes, the development secret), created with mode 0700, its files 0600. A relative path is resolved by who set it, as described above.",
  }),
  heartbeat: section("Liveness checks of idle connections.", {
    intervalMs: Type.Integer({
      minimum: 1000,
      default: 25000,
      env: ["POSTOFFICE_HEARTBEAT_INTERVAL_MS"],
      description:
        "A WebSocket ping is sent this often; a peer that has not answered by the next one is cut.",
    }),
  }),
  shutdown: section("Graceful shutdown on SIGTERM/SIGINT.", {
    drainTimeoutMs: Type.Integer({
      minimum: 0,
      default: 10000,
      env: ["POSTOFFICE_DRAIN_TIMEOUT_MS"],
      description:
        "How long a drain may take before the remaining connections are cut and the process exits.",
    }),
    reconnectWindowMs: Type.Integer({
      minimum: 0,
      default: 5000,
      env: ["POSTOFFICE_RECONNECT_WINDOW_MS"],
      description:
        "Sent to clients in the 1001 close: they spread their reconnects evenly over this window.",
    }),
  }),
});
