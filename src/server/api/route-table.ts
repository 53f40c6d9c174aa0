import type { ApiRoute } from "./api-route.js";

export type RouteMatch =
  | { kind: "found"; route: ApiRoute; params: Record<string, string> }
  /** The path is a route's, the method is not: 405 with the methods it has. */
  | { kind: "method"; allow: string[] }
  | { kind: "none" };

interface Compiled {
  route: ApiRoute;
  /** A literal segment, or the name of a parameter. */
  segments: Array<{ literal: string } | { param: string }>;
}

/** Matches a request's method and path against the routes' `/users/{user}/…` templates. */
export class RouteTable {
  readonly #routes: Compiled[];

  constructor(routes: readonly ApiRoute[]) {
    this.#routes = routes.map((route) => ({
      route,
      segments: route.path
        .split("/")
        .map((part) =>
          part.startsWith("{") && part.endsWith("}")
            ? { param: part.slice(1, -1) }
            : { literal: part },
        ),
    }));
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split("/");
    const allow: string[] = [];
    for (const { route, segments } of this.#routes) {
      const params = matchSegments(segments, parts);
      if (params === undefined) continue;
      if (route.method === method) return { kind: "found", route, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: "method", allow } : { kind: "none" };
  }
}

function matchSegments(
  segments: Compiled["segments"],
  parts: string[],
): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i] as string;
    if ("literal" in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === "") return undefined;
      params[segment.param] = part;
    }
  }
  return params;
}
