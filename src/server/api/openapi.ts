import type { TObject, TSchema } from "typebox";
import { API_ERRORS, type ApiErrorCode } from "./api-errors.js";
import type { ApiRoute } from "./api-route.js";
import { ERROR_BODY } from "./api-schemas.js";

/** The errors any route with a key may answer, besides its own. */
const KEYED_ERRORS: ApiErrorCode[] = [
  "unauthorized",
  "insufficient_scope",
  "rate_limited",
  "not_ready",
  "internal_error",
];
const BODY_ERRORS: ApiErrorCode[] = [
  "invalid_json",
  "invalid_request",
  "too_large",
  "unsupported_media_type",
];

/**
 * The OpenAPI 3.1 document of the server API, made from the route table: the paths, their
 * parameters and bodies are the very schemas the dispatcher checks requests against.
 */
export function openApiDocument(routes: readonly ApiRoute[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const operations = paths[route.path] ?? {};
    operations[route.method.toLowerCase()] = operation(route);
    paths[route.path] = operations;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Postoffice server API",
      version,
      description:
        'Backends publish mail and read state over HTTP. Every route but this document needs an API key (`api.keys`) with the route\'s scope, in `Authorization: Bearer <key>` or `X-API-Key`. Errors are `{"error":{"code","message","pointer"?,"retryAfterMs"?}}` with the codes of docs/api.md.',
      license: { name: "MIT", identifier: "MIT" },
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <key>`" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
      schemas: { Error: ERROR_BODY },
    },
  };
}

function operation(route: ApiRoute): object {
  const errors = new Set<ApiErrorCode>(route.errors);
  if (route.scope !== null) for (const code of KEYED_ERRORS) errors.add(code);
  if (route.params !== undefined || route.query !== undefined) errors.add("invalid_request");
  if (route.body !== undefined) for (const code of BODY_ERRORS) errors.add(code);
  const responses: Record<string, object> = {};
  for (const response of route.responses) {
    responses[String(response.status)] = {
      description: response.description,
      content: { "application/json": { schema: response.schema } },
    };
  }
  for (const [status, codes] of byStatus(errors)) {
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${API_ERRORS[code].meaning}`).join(" "),
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    description:
      route.scope === null
        ? route.description
        : `${route.description}\n\nScope: \`${route.scope}\`.`,
    ...(route.scope === null
      ? { security: [] }
      : { security: [{ bearer: [] }, { apiKey: [] }], "x-scope": route.scope }),
    parameters: [
      ...parameters(route.params, "path"),
      ...parameters(route.query, "query"),
      ...route.headers.map((header) => ({
        name: header.name,
        in: "header",
        required: false,
        description: header.description,
        schema: header.schema,
      })),
    ],
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: route.body.required,
            content: { "application/json": { schema: route.body.schema } },
          },
        }),
    responses,
  };
}

function parameters(schema: TObject | undefined, where: "path" | "query"): object[] {
  if (schema === undefined) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties as Record<string, TSchema>).map(([name, property]) => {
    const { description, ...rest } = property as TSchema & { description?: string };
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

function byStatus(codes: Set<ApiErrorCode>): Map<number, ApiErrorCode[]> {
  const grouped = new Map<number, ApiErrorCode[]>();
  for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
    if (!codes.has(code)) continue;
    const status = API_ERRORS[code].status;
    grouped.set(status, [...(grouped.get(status) ?? []), code]);
  }
  return new Map([...grouped].sort(([a], [b]) => a - b));
}
