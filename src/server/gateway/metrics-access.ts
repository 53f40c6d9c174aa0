import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";

/** `metrics.token` and `metrics.allowFrom`: who may read /metrics and /api/stats. */
export interface MetricsAccessOptions {
  /** A bearer token the request must carry; empty: none needed. */
  token: string;
  /** Addresses and CIDR ranges the request must come from; empty: any. */
  allowFrom: readonly string[];
}

export type MetricsVerdict = "allowed" | "forbidden" | "unauthorized";

/** The answer to a request the metrics guard refused: status, headers and JSON body. */
export interface MetricsRefusal {
  status: 401 | 403;
  headers: Record<string, string>;
  body: { error: { code: "forbidden" | "unauthorized"; message: string } };
}

/** What to answer for a verdict; undefined when it admits the request. */
export function metricsRefusal(verdict: MetricsVerdict): MetricsRefusal | undefined {
  switch (verdict) {
    case "allowed":
      return undefined;
    case "forbidden":
      return {
        status: 403,
        headers: {},
        body: {
          error: {
            code: "forbidden",
            message: "This address may not read metrics (metrics.allowFrom).",
          },
        },
      };
    case "unauthorized":
      return {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="postoffice metrics"' },
        body: {
          error: {
            code: "unauthorized",
            message: "Metrics need the token: send Authorization: Bearer <metrics.token>.",
          },
        },
      };
    default: {
      const unknown: never = verdict;
      throw new Error(`unknown verdict ${String(unknown)}`);
    }
  }
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Who may read how busy the node is (/metrics, /api/stats). Off by default: on a loopback
 * host only this machine can ask, and node.ts warns when a node listens wider with neither
 * option set. With `allowFrom`, the TCP peer's address must be in a listed range (an
 * IPv4-mapped IPv6 peer counts as its IPv4 address); with `token`, the request must carry
 * `Authorization: Bearer <token>`, compared in constant time. Both set: both must hold.
 */
export function createMetricsAccess(options: MetricsAccessOptions): {
  check(req: IncomingMessage): MetricsVerdict;
} {
  const ranges = options.allowFrom.map(parseRange);
  const token = options.token === "" ? undefined : digest(options.token);
  return {
    check(req) {
      if (ranges.length > 0 && !fromAllowed(req.socket.remoteAddress, ranges)) return "forbidden";
      if (token !== undefined && !carries(req, token)) return "unauthorized";
      return "allowed";
    },
  };
}

/**
 * Parses an entry of metrics.allowFrom: an address, or an address and a prefix length. IPv4 is
 * written in four decimal parts only (`10.1` is not read as 10.0.0.1); an IPv4-mapped IPv6
 * range counts as its IPv4 range, as the peers it is matched against do.
 */
export function parseRange(entry: string): Range {
  const [address = "", bits] = entry.split("/");
  const v4 = !address.includes(":");
  if (!(v4 ? ipaddr.IPv4.isValidFourPartDecimal(address) : ipaddr.IPv6.isValid(address))) {
    throw new Error(`metrics.allowFrom: "${entry}" is not an IP address or a CIDR range`);
  }
  const range = bits === undefined ? wholeAddress(address) : parseCidr(entry);
  const [base, prefix] = range;
  if (base.kind() === "ipv6" && (base as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return [(base as ipaddr.IPv6).toIPv4Address(), prefix - 96];
  }
  return range;
}

function wholeAddress(address: string): Range {
  const parsed = ipaddr.parse(address);
  return [parsed, parsed.kind() === "ipv4" ? 32 : 128];
}

function parseCidr(entry: string): Range {
  try {
    return ipaddr.parseCIDR(entry);
  } catch {
    throw new Error(`metrics.allowFrom: "${entry}" has a prefix length its address cannot have`);
  }
}

function fromAllowed(remote: string | undefined, ranges: readonly Range[]): boolean {
  if (remote === undefined || !ipaddr.isValid(remote)) return false;
  const address = ipaddr.process(remote);
  return ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

function carries(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

/** Equal-length digests, so that the comparison says nothing about the token's length. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * What to tell the operator at start when metrics say how busy the node is and which errors
 * its clients get to anyone who can reach a host others can reach: neither option set on a
 * host that is not loopback. Undefined when there is nothing to say.
 */
export function openMetricsWarning(
  metrics: MetricsAccessOptions & { enabled: boolean },
  host: string,
): string | undefined {
  const { enabled, token, allowFrom } = metrics;
  if (!enabled || token !== "" || allowFrom.length > 0 || isLoopbackHost(host)) return undefined;
  return `METRICS ARE OPEN: /metrics and /api/stats answer anyone who can reach ${host}. Set metrics.token (POSTOFFICE_METRICS_TOKEN) or metrics.allowFrom (POSTOFFICE_METRICS_ALLOW_FROM), bind a loopback host, or set metrics.enabled: false.`;
}

/** Whether a listen address reaches this machine only (127.0.0.0/8, ::1, localhost). */
function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
}
