import type { IncomingMessage } from "node:http";

export type OriginVerdict = "allowed" | "origin_not_allowed" | "cross_origin";

/**
 * Which browser pages may open a socket [AUTH-4]. Requests without `Origin` (not a browser)
 * are not checked. With an allow-list, other origins are refused. A connection logged in by
 * cookie must also come from an allowed origin, or from the same origin when the list is
 * empty, since browsers attach cookies to cross-site upgrades (cross-site WebSocket hijacking).
 */
export function createOriginPolicy(allowed: readonly string[]) {
  const patterns = allowed.map(toPattern);
  const listed = (origin: string): boolean => patterns.some((pattern) => pattern.test(origin));
  return (req: IncomingMessage, cookieAuth: boolean): OriginVerdict => {
    const origin = req.headers.origin;
    if (origin === undefined) return "allowed";
    if (patterns.length > 0) return listed(origin) ? "allowed" : "origin_not_allowed";
    if (cookieAuth && !sameOrigin(origin, req.headers.host)) return "cross_origin";
    return "allowed";
  };
}

/** `https://*.example.com`: `*` stands for any run of characters other than `/`. */
function toPattern(entry: string): RegExp {
  const escaped = entry.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*");
  return new RegExp(`^${escaped}$`, "i");
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
