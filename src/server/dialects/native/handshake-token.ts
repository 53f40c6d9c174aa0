import { PROTOCOL_VERSION } from "../../../protocol/index.js";
import type { HandshakeCredential, HandshakeRequest } from "../dialect.js";

export type { HandshakeRequest };

/**
 * Prefix of the subprotocol entry that carries a token. Browsers cannot set headers on a
 * WebSocket, so they offer `postoffice.v1, bearer.<token>`. RFC 6455 limits subprotocol
 * values to RFC 7230 token characters: base64url JWTs (letters, digits, `-`, `_`, `.`) fit;
 * tokens with `=`, `/`, `+`, spaces or commas do not and must travel another way.
 */
export const BEARER_PREFIX = "bearer.";

export interface HandshakeTokenOptions {
  queryParam: string;
  cookieName: string;
}

/**
 * The token a WebSocket upgrade carries, looked for in this order: subprotocol offer,
 * `Authorization: Bearer`, cookie, query parameter. The query comes last because URLs end
 * up in proxy and access logs.
 */
export function handshakeToken(
  req: HandshakeRequest,
  options: HandshakeTokenOptions,
): HandshakeCredential | undefined {
  const fromSubprotocol = subprotocolToken(req);
  if (fromSubprotocol) return { token: fromSubprotocol, source: "subprotocol" };
  const fromHeader = bearerToken(req);
  if (fromHeader) return { token: fromHeader, source: "header" };
  const fromCookie = cookieValue(req, options.cookieName);
  if (fromCookie) return { token: fromCookie, source: "cookie" };
  const fromQuery = query(req).get(options.queryParam);
  if (fromQuery) return { token: fromQuery, source: "query" };
  return undefined;
}

/**
 * For ws's `handleProtocols`. Never selects a `bearer.*` entry: the selected protocol is
 * echoed in the response, and the token must not be sent back (or logged by proxies).
 * A browser that offers protocols requires one to be selected, so clients must offer
 * `postoffice.v1` alongside their bearer entry.
 */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(PROTOCOL_VERSION) ? PROTOCOL_VERSION : false;
}

/** Whether the client offered the native protocol (`postoffice.v1`), which the server then selects. */
export function offersNativeProtocol(req: HandshakeRequest): boolean {
  return headerValues(req.headers["sec-websocket-protocol"], ",").includes(PROTOCOL_VERSION);
}

/** Development mode only: the name an anonymous client asks for (legacy seed clients). */
export function anonymousName(req: HandshakeRequest): string | undefined {
  const params = query(req);
  for (const name of ["client_id", "id", "username"]) {
    const value = params.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

function subprotocolToken(req: HandshakeRequest): string | undefined {
  // On every upgrade: one split, no list of trimmed entries made first (headerValues).
  const header = req.headers["sec-websocket-protocol"];
  if (header === undefined) return undefined;
  for (const part of (Array.isArray(header) ? header.join(",") : header).split(",")) {
    const entry = part.trim();
    if (entry.startsWith(BEARER_PREFIX) && entry.length > BEARER_PREFIX.length) {
      return entry.slice(BEARER_PREFIX.length);
    }
  }
  return undefined;
}

function bearerToken(req: HandshakeRequest): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}

/** RFC 6265 cookie-string: `name=value` pairs separated by `;`, values optionally quoted. */
function cookieValue(req: HandshakeRequest, cookieName: string): string | undefined {
  for (const pair of headerValues(req.headers.cookie, ";")) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || pair.slice(0, eq).trim() !== cookieName) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    return value === "" ? undefined : percentDecode(value);
  }
  return undefined;
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (error) {
    // A stray `%` is not an encoding; the raw value is what the client set.
    if (error instanceof URIError) return value;
    throw error;
  }
}

function headerValues(header: string | string[] | undefined, separator: string): string[] {
  const joined = Array.isArray(header) ? header.join(separator) : (header ?? "");
  return joined
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** A request-target's query parameters, read only. */
type Query = Pick<URLSearchParams, "get">;

const NO_QUERY: Query = { get: () => null };

/**
 * Each request's query, parsed once: a dialect reads it in `credential` and again in `admit`
 * for the same upgrade. Weakly held by the request, so that no request-target (which may carry
 * a `?token=`) outlives its upgrade.
 */
const parsed = new WeakMap<HandshakeRequest, Query>();

function query(req: HandshakeRequest): Query {
  const url = req.url ?? "/";
  const start = url.indexOf("?");
  // Most clients send no query (the token in the subprotocol): nothing to parse.
  if (start === -1) return NO_QUERY;
  const known = parsed.get(req);
  if (known !== undefined) return known;
  // The query as URL would find it: up to a fragment, if a client sent one.
  const end = url.indexOf("#", start);
  const query = new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end));
  parsed.set(req, query);
  return query;
}

/**
 * `?since=N`: the last mailbox sequence this device has, for a session authenticated in the
 * handshake. `undefined` when absent; `null` when present but not a non-negative integer.
 */
export function handshakeSince(req: HandshakeRequest): number | undefined | null {
  const raw = query(req).get("since");
  if (raw === null || raw === "") return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}
