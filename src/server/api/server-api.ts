import { Type } from "typebox";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import { type AdminRouteDeps, adminRoutes } from "./admin-routes.js";
import { ApiHandler } from "./api-handler.js";
import { type ApiKeyOptions, ApiKeys } from "./api-keys.js";
import { type ApiRoute, defineRoute } from "./api-route.js";
import { type EventRouteDeps, eventRoutes } from "./event-routes.js";
import { openApiDocument } from "./openapi.js";
import { type PublishRouteDeps, publishRoutes } from "./publish-routes.js";
import { type ReadRouteDeps, readRoutes } from "./read-routes.js";

export interface ServerApiOptions {
  keys: readonly ApiKeyOptions[];
  rate: { perSecond: number; burst: number };
  maxBodyBytes: number;
  maxBatchItems: number;
  version: string;
}

export type ServerApiDeps = Omit<PublishRouteDeps, "maxBatchItems"> &
  ReadRouteDeps &
  AdminRouteDeps &
  EventRouteDeps & {
    ready: () => boolean;
    log: Logger;
    throttle: LogThrottle;
  };

export const OPENAPI_PATH = "/api/v1/openapi.json";

/** The server API (docs/api.md): its routes, their document, and the dispatcher. */
export function createServerApi(
  deps: ServerApiDeps,
  options: ServerApiOptions,
): { handler: ApiHandler; routes: readonly ApiRoute[]; keys: ApiKeys } {
  const keys = new ApiKeys(options.keys);
  const routes: ApiRoute[] = [
    ...publishRoutes({ intake: deps.intake, maxBatchItems: options.maxBatchItems }),
    ...eventRoutes(deps),
    ...readRoutes(deps),
    ...adminRoutes(deps),
  ];
  let document: object | undefined;
  routes.push(
    defineRoute({
      method: "GET",
      path: OPENAPI_PATH,
      operationId: "openApi",
      summary: "This document",
      description: "The OpenAPI 3.1 document of the server API. Needs no key while the API is on.",
      scope: null,
      responses: [
        {
          status: 200,
          description: "The document.",
          schema: Type.Unsafe({ type: "object", description: "OpenAPI 3.1" }),
        },
      ],
      async handle() {
        document ??= openApiDocument(routes, options.version);
        return { status: 200, body: document };
      },
    }),
  );
  const handler = new ApiHandler({
    keys,
    routes,
    rate: options.rate,
    maxBodyBytes: options.maxBodyBytes,
    ready: deps.ready,
    log: deps.log,
    throttle: deps.throttle,
  });
  return { handler, routes, keys };
}
