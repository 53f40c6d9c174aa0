import { monotonicNow } from "../session/rate-limiter.js";

/** The one level the throttle writes at; a pino logger fits. */
export interface WarnLog {
  warn(details: object, message: string): void;
}

/**
 * Logs refusals without letting a client flood the log [LIMIT-4]: at most one line per key
 * per interval, saying how many were not logged since. The metrics count every one.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: WarnLog,
    private readonly intervalMs = 10_000,
    private readonly clock: () => number = monotonicNow,
  ) {}

  warn(key: string, details: Record<string, unknown>, message: string): void {
    const now = this.clock();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn(
      { ...details, refusal: key, suppressedSinceLast: seen?.suppressed ?? 0 },
      message,
    );
    if (this.last.size > 1000) this.last.clear();
  }
}
