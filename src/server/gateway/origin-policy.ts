import type { IncomingMessage } from "node:http";

export type OriginVerdict = "allowed" | "origin_not_allowed" | "cross_origin";

interface OriginPattern {
  scheme: string;
  port: string;
  /** Host labels after the wildcard (the whole host when `wildcard` is false). */
  host: string;
  /** `*.` in front: one or more whole labels before `host`. */
  wildcard: boolean;
}

/**
 * Which browser pages may open a socket [AUTH-4]. Requests without `Origin` (not a browser)
 * are not checked. With an allow-list, other origins are refused. A connection logged in by
 * cookie must also come from an allowed origin, or from the same origin when the list is
 * empty, since browsers attach cookies to cross-site upgrades (cross-site WebSocket hijacking).
 *
 * Origins are parsed, never matched as text: scheme and port must be equal, and a pattern's
 * only wildcard is a leading `*.` standing for whole labels (`https://*.example.com` admits
 * `https://a.b.example.com`, not `https://example.com.evil.net`).
 */
export function createOriginPolicy(allowed: readonly string[]) {
  const patterns = allowed.map(parsePattern);
  const listed = (origin: URL): boolean => patterns.some((pattern) => matches(pattern, origin));
  return (req: IncomingMessage, cookieAuth: boolean): OriginVerdict => {
    const header = req.headers.origin;
    if (header === undefined) return "allowed";
    const origin = parseOrigin(header);
    if (patterns.length > 0)
      return origin !== undefined && listed(origin) ? "allowed" : "origin_not_allowed";
    if (cookieAuth && !sameOrigin(origin, req)) return "cross_origin";
    return "allowed";
  };
}

/** Parses an entry of server.allowedOrigins; throws on anything but scheme://[*.]host[:port]. */
export function parsePattern(entry: string): OriginPattern {
  const wildcard = /^[a-z][a-z0-9+.-]*:\/\/\*\./i.test(entry);
  const url = parseOrigin(wildcard ? entry.replace("://*.", "://") : entry);
  if (url === undefined || entry.indexOf("*") !== (wildcard ? entry.indexOf("://") + 3 : -1)) {
    throw new Error(
      `server.allowedOrigins: "${entry}" is not an origin (scheme://host[:port], optionally scheme://*.host)`,
    );
  }
  return { scheme: url.protocol, port: url.port, host: url.hostname, wildcard };
}

function matches(pattern: OriginPattern, origin: URL): boolean {
  if (origin.protocol !== pattern.scheme || origin.port !== pattern.port) return false;
  if (!pattern.wildcard) return origin.hostname === pattern.host;
  return origin.hostname.endsWith(`.${pattern.host}`);
}

/** A URL that is exactly an origin (no path, query, credentials or fragment), or undefined. */
function parseOrigin(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.origin === text.toLowerCase().replace(/\/$/, "") ? url : undefined;
  } catch {
    return undefined;
  }
}

function sameOrigin(origin: URL | undefined, req: IncomingMessage): boolean {
  const host = req.headers.host?.toLowerCase();
  if (origin === undefined || host === undefined) return false;
  const scheme = "encrypted" in req.socket && req.socket.encrypted ? "https:" : "http:";
  // Behind a TLS-terminating proxy the page is https while this socket is plain: the host decides.
  return origin.host === host && (origin.protocol === scheme || origin.protocol === "https:");
}
