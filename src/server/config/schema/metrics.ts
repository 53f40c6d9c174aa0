import { Type } from "typebox";
import { section } from "./nodes.js";
import { addressRange, bearerToken } from "./patterns.js";

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
  token: Type.String({
    pattern: bearerToken.pattern,
    default: "",
    secret: true,
    env: ["POSTOFFICE_METRICS_TOKEN"],
    description:
      "A bearer token that `/metrics` and `/api/stats` require (`Authorization: Bearer <token>`; HTTP 401 without it). Empty: none required.",
  }),
  allowFrom: Type.Array(Type.String({ pattern: addressRange.pattern }), {
    default: [],
    env: ["POSTOFFICE_METRICS_ALLOW_FROM"],
    description:
      "Client addresses and CIDR ranges that may read `/metrics` and `/api/stats` (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`); others get HTTP 403. Empty: any address. Behind a proxy, the proxy's address is what counts.",
  }),
});
