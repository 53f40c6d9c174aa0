/** How a variable's text becomes a configuration value. */
export type EnvParse = "string" | "integer" | "boolean" | "json" | "list";

export interface EnvVariable {
  variable: string;
  /** Key path in `Config`, e.g. ["server", "port"]. */
  path: readonly string[];
  parse: EnvParse;
}

/** Variables that steer the loader itself rather than set a key. */
export const loaderVariables = {
  /** Path of the base file, instead of looking for postoffice.yaml in the working directory. */
  config: "POSTOFFICE_CONFIG",
  /** Name of the overlay: `production` reads postoffice.production.yaml over the base. */
  overlay: "POSTOFFICE_ENV",
} as const;

/**
 * Every variable that sets a key. The loader applies them in this order, so a later entry for
 * the same path wins: `PORT` (set by most platforms) comes before `POSTOFFICE_PORT`, which is
 * what the operator typed on purpose. docs/configuration.md is checked against this table.
 */
export const envVariables: readonly EnvVariable[] = [
  { variable: "PORT", path: ["server", "port"], parse: "integer" },
  { variable: "POSTOFFICE_PORT", path: ["server", "port"], parse: "integer" },
  { variable: "POSTOFFICE_HOST", path: ["server", "host"], parse: "string" },
  { variable: "POSTOFFICE_PATH", path: ["server", "path"], parse: "string" },
  { variable: "POSTOFFICE_DATA_DIR", path: ["server", "dataDir"], parse: "string" },
  {
    variable: "POSTOFFICE_HEARTBEAT_INTERVAL_MS",
    path: ["server", "heartbeat", "intervalMs"],
    parse: "integer",
  },
  {
    variable: "POSTOFFICE_DRAIN_TIMEOUT_MS",
    path: ["server", "shutdown", "drainTimeoutMs"],
    parse: "integer",
  },
  {
    variable: "POSTOFFICE_RECONNECT_WINDOW_MS",
    path: ["server", "shutdown", "reconnectWindowMs"],
    parse: "integer",
  },
  { variable: "POSTOFFICE_AUTH_TIMEOUT_MS", path: ["auth", "timeoutMs"], parse: "integer" },
  { variable: "POSTOFFICE_AUTH_TOKENS", path: ["auth", "tokens"], parse: "json" },
  { variable: "POSTOFFICE_JWT_SECRET", path: ["auth", "jwt", "secret"], parse: "string" },
  { variable: "POSTOFFICE_JWT_PUBLIC_KEY", path: ["auth", "jwt", "publicKey"], parse: "string" },
  {
    variable: "POSTOFFICE_JWT_PUBLIC_KEY_FILE",
    path: ["auth", "jwt", "publicKeyFile"],
    parse: "string",
  },
  { variable: "POSTOFFICE_JWKS_URL", path: ["auth", "jwt", "jwksUrl"], parse: "string" },
  { variable: "POSTOFFICE_JWT_ALGORITHMS", path: ["auth", "jwt", "algorithms"], parse: "list" },
  { variable: "POSTOFFICE_JWT_ISSUER", path: ["auth", "jwt", "issuer"], parse: "string" },
  { variable: "POSTOFFICE_JWT_AUDIENCE", path: ["auth", "jwt", "audience"], parse: "string" },
  { variable: "POSTOFFICE_AUTH_WEBHOOK_URL", path: ["auth", "webhook", "url"], parse: "string" },
  { variable: "POSTOFFICE_ANONYMOUS", path: ["auth", "anonymous", "enabled"], parse: "boolean" },
  {
    variable: "POSTOFFICE_ANONYMOUS_ALLOW_NON_LOOPBACK",
    path: ["auth", "anonymous", "allowNonLoopback"],
    parse: "boolean",
  },
  {
    variable: "POSTOFFICE_MAILBOX_MAX_MESSAGES",
    path: ["mailbox", "maxMessages"],
    parse: "integer",
  },
  { variable: "POSTOFFICE_MAILBOX_STORE", path: ["mailbox", "store"], parse: "string" },
  { variable: "POSTOFFICE_PRESET", path: ["preset"], parse: "string" },
  { variable: "POSTOFFICE_REDIS_URL", path: ["redis", "url"], parse: "string" },
  { variable: "POSTOFFICE_ALLOWED_ORIGINS", path: ["server", "allowedOrigins"], parse: "list" },
  { variable: "POSTOFFICE_MAX_CONNECTIONS", path: ["limits", "maxConnections"], parse: "integer" },
  { variable: "POSTOFFICE_MAX_FRAME_BYTES", path: ["limits", "maxFrameBytes"], parse: "integer" },
  {
    variable: "POSTOFFICE_OUTBOUND_BUFFER_BYTES",
    path: ["limits", "outboundBufferBytes"],
    parse: "integer",
  },
  { variable: "POSTOFFICE_MAILBOX_OVERFLOW", path: ["mailbox", "overflow"], parse: "string" },
  { variable: "POSTOFFICE_MAILBOX_TTL_MS", path: ["mailbox", "ttlMs"], parse: "integer" },
  {
    variable: "POSTOFFICE_SQLITE_SYNCHRONOUS",
    path: ["mailbox", "sqlite", "synchronous"],
    parse: "string",
  },
  { variable: "POSTOFFICE_METRICS_ENABLED", path: ["metrics", "enabled"], parse: "boolean" },
  { variable: "POSTOFFICE_LOG_LEVEL", path: ["log", "level"], parse: "string" },
  { variable: "POSTOFFICE_LOG_FORMAT", path: ["log", "format"], parse: "string" },
];

/** `expected` is left out when the schema's own wording says it better ("integer between ..."). */
export type EnvParseResult = { ok: true; value: unknown } | { ok: false; expected?: string };

const truthy = new Set(["true", "1", "yes", "on"]);
const falsy = new Set(["false", "0", "no", "off"]);

/** Turns a variable's text into a value; the caller turns a failure into a ConfigError. */
export function parseEnvValue(raw: string, parse: EnvParse): EnvParseResult {
  switch (parse) {
    case "string":
      return { ok: true, value: raw };
    case "integer": {
      const text = raw.trim();
      // Number("") is 0 and Number("1e3") is 1000: neither is what a person meant by a port.
      if (!/^-?\d+$/.test(text)) return { ok: false };
      return { ok: true, value: Number(text) };
    }
    case "boolean": {
      const text = raw.trim().toLowerCase();
      if (truthy.has(text)) return { ok: true, value: true };
      if (falsy.has(text)) return { ok: true, value: false };
      return { ok: false, expected: "boolean (true/false, 1/0, yes/no, on/off)" };
    }
    case "json":
      return parseJson(raw);
    case "list":
      return {
        ok: true,
        value: raw
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== ""),
      };
  }
}

function parseJson(raw: string): EnvParseResult {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, expected: `JSON (${(error as Error).message})` };
  }
}
