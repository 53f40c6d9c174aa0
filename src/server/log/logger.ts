import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** Least severe level written; `silent` writes nothing. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  level: LogLevel;
  /** `auto`: human-readable on a terminal, JSON otherwise. */
  format: "auto" | "json" | "pretty";
}

/**
 * JSON logs for machines, readable lines on a terminal. pino-pretty runs in-process
 * (`sync`) rather than as a worker transport so that a crash's last lines are not lost.
 */
export function createLogger(config: LoggerOptions, destination?: DestinationStream): Logger {
  const prettyOutput =
    config.format === "pretty" || (config.format === "auto" && process.stdout.isTTY === true);
  const options = { level: config.level, base: { pid: process.pid } };
  if (destination) return pino(options, destination);
  if (prettyOutput) {
    return pino(options, pretty({ sync: true, colorize: true, ignore: "pid,hostname" }));
  }
  return pino(options);
}
