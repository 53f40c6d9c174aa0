import type { Supersede } from "../dialect.js";

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** What Go's `strconv.ParseInt(s, 10, 64)` reads: a sign, then decimal digits. */
const DECIMAL = /^[+-]?[0-9]+$/;

/**
 * GO-POSTOFFICE's one connection per `clientID` (docs/migrating.md#go-postoffice): the rank
 * is `startTime` as the seed reads it, `strconv.ParseInt(s, 10, 64)` with the error ignored
 * (unparsable: 0; out of range: the nearest int64), and without it the time in Unix seconds.
 * A newcomer whose rank is not above the holder's is refused with the seed's HTTP 409; one
 * without `startTime` wins a tie (the one deliberate fix: a client that reconnects within the
 * second, before the server has seen its old connection go, is let in, not refused).
 */
export function supersedeByStartTime(
  clientId: string,
  startTime: string | null,
  nowMs: number,
): Supersede {
  const named = startTime !== null && startTime !== "";
  return {
    key: clientId,
    rank: named ? parseInt64(startTime) : BigInt(Math.floor(nowMs / 1000)),
    winsTies: !named,
    refusal: {
      status: 409,
      reason: "newer_connection_exists",
      body: "Connection rejected: newer connection exists\n",
      contentType: "text/plain; charset=utf-8",
    },
  };
}

/** Go's `strconv.ParseInt(s, 10, 64)`, its error ignored, as the seed calls it. */
export function parseInt64(text: string): bigint {
  if (!DECIMAL.test(text)) return 0n;
  const value = BigInt(text);
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return value;
}
