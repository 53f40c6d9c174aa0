import type { IncomingHttpHeaders } from "node:http";
import type { Static, TObject, TProperties, TSchema } from "typebox";
import type { ApiErrorCode } from "./api-errors.js";
import type { ApiCaller, ApiScope } from "./api-keys.js";

/** A request that passed the route's checks: its parts are what the route's schemas say. */
export interface ApiRequest<Body, Params, Query> {
  caller: ApiCaller;
  body: Body;
  params: Params;
  query: Query;
  headers: IncomingHttpHeaders;
}

export interface ApiReply {
  status: number;
  body: unknown;
}

/** An answer a route gives, for the OpenAPI document. */
export interface ApiResponseSpec {
  status: number;
  description: string;
  schema: TSchema;
}

/** A request header a route reads, for the OpenAPI document. */
export interface ApiHeaderSpec {
  name: string;
  description: string;
  schema: TSchema;
}

/** A check of a body richer than its schema's (messages for people); the same schema's. */
export type BodyCheck<T> = (
  value: unknown,
) => { ok: true; value: T } | { ok: false; pointer: string; message: string };

/**
 * One route of the server API: the one description that the dispatcher matches and checks
 * requests against, and that the OpenAPI document is made from, so the two cannot drift.
 */
export interface ApiRoute {
  method: "GET" | "POST";
  /** With `{name}` for each path parameter, as OpenAPI writes it. */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  /** The scope the key needs; null for the document itself. */
  scope: ApiScope | null;
  params: TObject | undefined;
  query: TObject | undefined;
  headers: ApiHeaderSpec[];
  body: { schema: TSchema; required: boolean; check: BodyCheck<unknown> | undefined } | undefined;
  responses: ApiResponseSpec[];
  /** The errors this route may answer besides those of every route (401, 403, 429, ...). */
  errors: ApiErrorCode[];
  /** Tokens of the key's rate the request takes (a batch: one per item). */
  cost(body: unknown): number;
  handle(request: ApiRequest<unknown, unknown, unknown>): Promise<ApiReply>;
}

interface RouteSpec<B extends TSchema, P extends TProperties, Q extends TProperties> {
  method: "GET" | "POST";
  path: string;
  operationId: string;
  summary: string;
  description: string;
  scope: ApiScope | null;
  params?: TObject<P>;
  query?: TObject<Q>;
  headers?: ApiHeaderSpec[];
  body?: { schema: B; required?: boolean; check?: BodyCheck<Static<B>> };
  responses: ApiResponseSpec[];
  errors?: ApiErrorCode[];
  cost?: (body: Static<B>) => number;
  handle(request: ApiRequest<Static<B>, Static<TObject<P>>, Static<TObject<Q>>>): Promise<ApiReply>;
}

/** A route, typed from its schemas: its handler gets what they describe. */
export function defineRoute<
  B extends TSchema = TSchema,
  P extends TProperties = TProperties,
  Q extends TProperties = TProperties,
>(spec: RouteSpec<B, P, Q>): ApiRoute {
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    description: spec.description,
    scope: spec.scope,
    params: spec.params,
    query: spec.query,
    headers: spec.headers ?? [],
    body:
      spec.body === undefined
        ? undefined
        : {
            schema: spec.body.schema,
            required: spec.body.required ?? true,
            check: spec.body.check as BodyCheck<unknown> | undefined,
          },
    responses: spec.responses,
    errors: spec.errors ?? [],
    cost: (spec.cost as ApiRoute["cost"] | undefined) ?? (() => 1),
    // The dispatcher checked each part against the schemas the types come from.
    handle: spec.handle as ApiRoute["handle"],
  };
}
