import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LogThrottle } from "../../src/server/log/log-throttle.js";

function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: "debug" }, sink) };
}

describe("LogThrottle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("logs a refusal at most once per key per interval, and says how many it held back", () => {
    const { lines, log } = recordingLog();
    const throttle = new LogThrottle(log, 1000, () => Date.now());
    for (let i = 0; i < 100; i++) throttle.warn("rate_limited", {}, "frames refused for rate");
    throttle.warn("origin_not_allowed", {}, "connection refused");
    vi.advanceTimersByTime(1500);
    expect(lines.map((l) => [l.refusal, l.suppressedSinceLast])).toEqual([
      ["rate_limited", 0],
      ["origin_not_allowed", 0],
      ["rate_limited", 99],
    ]);
  });

  it("writes the count of a flood that stopped once its interval ends, without waiting for the next line", () => {
    const { lines, log } = recordingLog();
    const throttle = new LogThrottle(log, 10_000, () => Date.now());
    for (let i = 0; i < 600; i++) {
      throttle.error("session_failed", { err: new Error(`boom ${i}`) }, "session failed");
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: "session failed", suppressedSinceLast: 0 });
    expect(JSON.stringify(lines[0])).toContain("boom 0");
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 50,
      msg: "session failed",
      refusal: "session_failed",
      suppressedSinceLast: 599,
    });
    // Nothing more to say: no more lines, and the timer stops.
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("writes one line per interval for a flood that goes on, at the level it was given", () => {
    const { lines, log } = recordingLog();
    const throttle = new LogThrottle(log, 1000, () => Date.now());
    for (let ms = 0; ms < 5000; ms += 10) {
      throttle.debug("websocket_error", {}, "websocket error");
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1000);
    // The first event, then one count a second.
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => line.level === 20)).toBe(true);
    const held = lines.reduce((sum, line) => sum + Number(line.suppressedSinceLast), 0);
    expect(held).toBe(499);
  });

  it("counts kinds past the thousandth together rather than forgetting the others", () => {
    const { lines, log } = recordingLog();
    const throttle = new LogThrottle(log, 1000, () => Date.now());
    for (let i = 0; i < 1000; i++) throttle.warn(`kind-${i}`, {}, "connection refused");
    throttle.warn("kind-0", {}, "connection refused");
    for (let i = 1000; i < 1500; i++) throttle.warn(`kind-${i}`, {}, "connection refused");
    expect(lines).toHaveLength(1001);
    expect(lines[1000]).toMatchObject({ refusal: "log_throttle_overflow" });
    vi.advanceTimersByTime(1000);
    const later = lines.slice(1001).map((line) => [line.refusal, line.suppressedSinceLast]);
    // kind-0 keeps its window (its second line is counted), the overflow its count.
    expect(later).toEqual([
      ["kind-0", 1],
      ["log_throttle_overflow", 499],
    ]);
  });
});
