import { urlPath } from "./patterns.js";
import type { SchemaNode } from "./schema-node.js";

/** `server`: where and how the node listens. */
export const server: SchemaNode = {
  type: "object",
  description: "Where and how the node listens.",
  additionalProperties: false,
  default: {},
  properties: {
    host: {
      type: "string",
      minLength: 1,
      default: "0.0.0.0",
      description: "Address to bind. `0.0.0.0` listens on every IPv4 interface.",
    },
    port: {
      type: "integer",
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: "TCP port for HTTP and WebSocket upgrades. 0 picks a free port (tests).",
    },
    allowedOrigins: {
      type: "array",
      default: [],
      items: { type: "string", minLength: 1 },
      description:
        "Browser origins allowed to connect: exact (`https://app.example.com`) or with `*` wildcards (`https://*.example.com`). Other origins get HTTP 403. Empty: any origin, except that cookie logins must come from the same origin.",
    },
    path: {
      type: "string",
      pattern: urlPath,
      default: "/ws",
      description: "URL path where WebSocket upgrades are accepted.",
    },
    dataDir: {
      type: "string",
      minLength: 1,
      default: "./data",
      description:
        "Directory for durable state. A relative path is resolved against the base file's directory (or the working directory).",
    },
    heartbeat: {
      type: "object",
      description: "Liveness checks of idle connections.",
      additionalProperties: false,
      default: {},
      properties: {
        intervalMs: {
          type: "integer",
          minimum: 1000,
          default: 25000,
          description:
            "A WebSocket ping is sent this often; a peer that has not answered by the next one is cut.",
        },
      },
    },
    shutdown: {
      type: "object",
      description: "Graceful shutdown on SIGTERM/SIGINT.",
      additionalProperties: false,
      default: {},
      properties: {
        drainTimeoutMs: {
          type: "integer",
          minimum: 0,
          default: 10000,
          description:
            "How long a drain may take before the remaining connections are cut and the process exits.",
        },
        reconnectWindowMs: {
          type: "integer",
          minimum: 0,
          default: 5000,
          description:
            "Told to clients in the 1001 close: they spread reconnects uniformly over this window.",
        },
      },
    },
  },
};
