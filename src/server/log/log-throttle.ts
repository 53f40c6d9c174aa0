import { performance } from "node:perf_hooks";

/** A clock that never steps back (a wall-clock change must not reopen or close the window). */
const monotonicNow = (): number => performance.now();

/** The levels a throttled line may have. */
export type ThrottledLevel = "debug" | "warn" | "error";

/** Where the throttle writes; a pino logger fits. */
export type ThrottledLog = Record<ThrottledLevel, (details: object, message: string) => void>;

/** The kinds tracked at once; past it, new kinds are counted together under this key. */
const MAX_KINDS = 1000;
const OVERFLOW_KEY = "log_throttle_overflow";

interface Window {
  /** When its last line was written. */
  at: number;
  /** Lines held back since then. */
  suppressed: number;
  level: ThrottledLevel;
  message: string;
}

/**
 * Writes the log lines that clients can cause without letting a client flood the log
 * [LIMIT-4]: at most one line per key per interval. The first of a kind is written whole
 * (with its error and stack); those that follow within the interval are counted, and when the
 * interval ends one line says how many were held back (`suppressedSinceLast`), so the count of
 * a flood that stopped is written too. The metrics count every event.
 */
export class LogThrottle {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: ThrottledLog,
    private readonly intervalMs = 10_000,
    private readonly clock: () => number = monotonicNow,
  ) {}

  debug(key: string, details: Record<string, unknown>, message: string): void {
    this.write("debug", key, details, message);
  }

  warn(key: string, details: Record<string, unknown>, message: string): void {
    this.write("warn", key, details, message);
  }

  error(key: string, details: Record<string, unknown>, message: string): void {
    this.write("error", key, details, message);
  }

  private write(
    level: ThrottledLevel,
    key: string,
    details: Record<string, unknown>,
    message: string,
  ): void {
    const now = this.clock();
    let window = this.windows.get(key);
    if (window === undefined && key !== OVERFLOW_KEY && this.windows.size >= MAX_KINDS) {
      // Too many kinds at once (a key made from client input?): counted together, never lost.
      this.write("warn", OVERFLOW_KEY, {}, "log lines of more kinds than the throttle tracks");
      return;
    }
    if (window !== undefined && now - window.at < this.intervalMs) {
      window.suppressed += 1;
      return;
    }
    const suppressed = window?.suppressed ?? 0;
    window = { at: now, suppressed: 0, level, message };
    this.windows.set(key, window);
    this.log[level]({ ...details, refusal: key, suppressedSinceLast: suppressed }, message);
    this.schedule(now);
  }

  /** One timer for every key, due when the oldest window ends; none while nothing is tracked. */
  private schedule(now: number): void {
    if (this.timer !== undefined || this.windows.size === 0) return;
    let due = Number.POSITIVE_INFINITY;
    for (const window of this.windows.values()) due = Math.min(due, window.at + this.intervalMs);
    this.timer = setTimeout(this.onTimer, Math.max(due - now, 0));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = this.clock();
    this.sweep(now);
    this.schedule(now);
  };

  /** Ends the windows that are over by `now`: a line for each that held lines back, and forgets the rest. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.at < this.intervalMs) continue;
      if (window.suppressed === 0) {
        this.windows.delete(key);
        continue;
      }
      const { level, message, suppressed } = window;
      window.at = now;
      window.suppressed = 0;
      this.log[level]({ refusal: key, suppressedSinceLast: suppressed }, message);
    }
  }
}
