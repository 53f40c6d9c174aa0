import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LogThrottle } from "../../src/server/log/log-throttle.js";

describe("LogThrottle", () => {
  it("logs a refusal at most once per key per interval, and says how many it held back", () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let now = 0;
    const throttle = new LogThrottle(pino(sink), 1000, () => now);
    for (let i = 0; i < 100; i++) throttle.warn("rate_limited", {}, "frames refused for rate");
    throttle.warn("origin_not_allowed", {}, "connection refused");
    now = 1500;
    throttle.warn("rate_limited", {}, "frames refused for rate");
    expect(lines.map((l) => [l.refusal, l.suppressedSinceLast])).toEqual([
      ["rate_limited", 0],
      ["origin_not_allowed", 0],
      ["rate_limited", 99],
    ]);
  });
});
