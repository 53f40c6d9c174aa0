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
 * JSON logs for machines, readable lines on a terminal. pino-pretty runs in-process rather
 * than as a worker transport so that a crash's last lines are not lost.
 */
export function createLogger(config: LoggerOptions, destination?: DestinationStream): Logger {
  const prettyOutput =
    config.format === "pretty" || (config.format === "auto" && process.stdout.isTTY === true);
  const options = { level: config.level, base: { pid: process.pid } };
  if (destination) return pino(options, destination);
  const stdout = stdoutDestination();
  if (prettyOutput) {
    return pino(options, pretty({ colorize: true, ignore: "pid,hostname", destination: stdout }));
  }
  return pino(options, stdout);
}

/**
 * Standard output, written synchronously (pino's standard mode), and given up for good at its
 * first write error. Both matter when the reader goes away (`postoffice start | head -3`):
 * pino's default asynchronous destination flushes its buffer on `process.exit`, and
 * sonic-boom's flushSync retries an EPIPE forever, so the process hung in its exit instead
 * of ending the drain; and an error other than EPIPE (EIO on a closed terminal) would be
 * thrown out of whatever called the logger. A server whose log reader is gone goes on
 * serving and stops as it is told to; its logs are lost, as nobody reads them.
 */
function stdoutDestination(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: true });
  stream.on("error", () => {
    stream.write = () => true;
    stream.flushSync = () => undefined;
  });
  return stream;
}
