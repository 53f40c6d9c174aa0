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

/** A service's name (`api.keys[].name`): the `from` of its mail, a tame user id. */
export const serviceName: Pattern = {
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$",
  expected:
    "a service name: 1 to 64 letters, digits, '.', '_', ':', '@' or '-', starting with a letter or digit",
  docType: { one: "service name", many: "service names" },
};

/**
 * The shape of an address range of `metrics.allowFrom`: an IPv4 or IPv6 address, optionally
 * with a prefix length. The gateway parses each entry at start; this catches names and slips.
 */
export const addressRange: Pattern = {
  pattern: "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$",
  expected: "an IP address or a CIDR range, such as 10.0.0.0/8 or fd00::/8",
  docType: { one: "address or CIDR range", many: "addresses or CIDR ranges" },
};

/** `metrics.token`: none, or one long enough not to be guessed (it is compared whole). */
export const bearerToken: Pattern = {
  pattern: "^(|\\S{16,})$",
  expected: "empty, or a token of at least 16 characters without spaces",
  docType: { one: "token (16+ characters) or empty", many: "tokens" },
};

const all = [
  httpUrl,
  urlPath,
  endpointPath,
  originPattern,
  roomName,
  serviceName,
  addressRange,
  bearerToken,
];

/** What a pattern of the schema means; undefined for one not listed here. */
export function patternOf(source: string): Pattern | undefined {
  return all.find((p) => p.pattern === source);
}
