/**
 * Where authenticators report trouble that a client's handshake can set off (an outage of the
 * webhook or the JWKS, a circuit opening). It is a throttle (log/log-throttle.ts fits): at most
 * one line per key per interval, so a flood of clients cannot flood the log [LIMIT-4].
 */
export interface AuthWarnings {
  warn(key: string, details: Record<string, unknown>, message: string): void;
}
