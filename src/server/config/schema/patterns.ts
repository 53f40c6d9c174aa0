import { ROOM_NAME } from "../../../protocol/index.js";

/**
 * The `pattern`s of the schema, each with what it means in words: a regex is no help to the
 * person fixing a file. `expected` goes into error messages, `docType` into the docs' tables.
 */
export interface Pattern {
  pattern: string;
  expected: string;
  docType: { one: string; many: string };
}

export const httpUrl: Pattern = {
  pattern: "^https?://\\S+$",
  expected: "an http:// or https:// URL",
  docType: { one: "http(s) URL", many: "http(s) URLs" },
};

export const urlPath: Pattern = {
  pattern: "^/",
  expected: "a URL path starting with /",
  docType: { one: "string starting with `/`", many: "strings starting with `/`" },
};

/** Where an endpoint listens: a path, or `*` for every path no other endpoint or route has. */
export const endpointPath: Pattern = {
  pattern: "^(/|[*]$)",
  expected: "a URL path starting with /, or * for any path",
  docType: { one: "path starting with `/`, or `*`", many: "paths starting with `/`, or `*`" },
};

/**
 * The shape of an `allowedOrigins` entry: scheme://host[:port], optionally `*.` before the
 * host. The gateway parses each entry as a URL at start; this catches the usual slips (a
 * path, a wildcard elsewhere, no scheme) with the key's source.
 */
export const originPattern: Pattern = {
  pattern: "^[A-Za-z][A-Za-z0-9+.-]*://(\\*\\.)?[^\\s/?#*@]+/?$",
  expected: "an origin: scheme://host[:port] or scheme://*.host[:port]",
  docType: { one: "origin", many: "origins" },
};

/** A room name, as the protocol accepts it. */
export const roomName: Pattern = {
  pattern: ROOM_NAME.source,
  expected:
    "a room name: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
  docType: { one: "room name", many: "room names" },
};

const all = [httpUrl, urlPath, endpointPath, originPattern, roomName];

/** What a pattern of the schema means; undefined for one not listed here. */
export function patternOf(source: string): Pattern | undefined {
  return all.find((p) => p.pattern === source);
}
