import type { Logger } from "../log/logger.js";

interface Window {
  startedAt: number;
  written: number;
  suppressed: number;
}

/**
 * The `log` action's lines, bounded per step: at most `perSecond` lines a second from one
 * step, so a client sending an event in a loop cannot flood the log. The first line after a
 * suppressed run says how many were not written (`suppressedSinceLast`).
 */
export class StepLogThrottle {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    private readonly perSecond = 20,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  write(
    step: string,
    level: "info" | "warn",
    fields: Record<string, unknown>,
    message: string,
  ): void {
    const now = this.clock();
    let window = this.#windows.get(step);
    if (window === undefined || now - window.startedAt >= 1_000) {
      const suppressed = window?.suppressed ?? 0;
      window = { startedAt: now, written: 0, suppressed };
      if (this.#windows.size >= 10_000) this.#windows.clear();
      this.#windows.set(step, window);
    }
    if (window.written >= this.perSecond) {
      window.suppressed += 1;
      return;
    }
    window.written += 1;
    const line = { ...fields, step, suppressedSinceLast: window.suppressed };
    window.suppressed = 0;
    if (level === "warn") this.log.warn(line, message);
    else this.log.info(line, message);
  }
}
