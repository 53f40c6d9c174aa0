export interface ConfigErrorDetails {
  /** JSON pointer of the failing key, e.g. "/server/port". */
  path?: string;
  /** What the key accepts, in words, e.g. "integer between 1 and 65535". */
  expected?: string;
  /** Which file (with line), environment variable or flag set the value. */
  source?: string;
  cause?: unknown;
}

/**
 * The configuration cannot be used: the node must not start. The message is written for the
 * operator reading a crash log; the fields are for tools and tests.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "config_invalid";
  readonly path: string | undefined;
  readonly expected: string | undefined;
  readonly source: string | undefined;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
    this.expected = details.expected;
    this.source = details.source;
  }

  /** `Invalid configuration at /server/port: <problem> (from POSTOFFICE_PORT)`. */
  static at(path: string, problem: string, details: Omit<ConfigErrorDetails, "path"> = {}) {
    const from = details.source === undefined ? "" : ` (from ${details.source})`;
    return new ConfigError(`Invalid configuration at ${path}: ${problem}${from}`, {
      ...details,
      path,
    });
  }
}
