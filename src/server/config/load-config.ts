import { isIPv4 } from "node:net";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { parsePattern } from "../gateway/origin-policy.js";
import { Permissions } from "../rules/permissions.js";
import { MemoryRoleDirectory } from "../rules/role-directory.js";
import { compileUserSchema } from "./compile-user-schema.js";
import type { Config, JwtConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import { type ConfigFile, readBaseFile, readOverlayFile } from "./config-file.js";
import { applyEnvironment, applyFlags, ConfigLayers } from "./config-layers.js";
import { loaderVariables } from "./env.js";
import { escapeKey, pointerKeys } from "./json-pointer.js";
import { isPresetName, type PresetName, presets } from "./presets.js";
import { annotationKeywords, configSchema, describeExpectedAt, schemaNodeAt } from "./schema.js";

export interface ConfigFlags {
  config?: string;
  port?: number | string;
  host?: string;
}

export interface LoadConfigOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  flags: ConfigFlags;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute paths of the files actually read, base first. */
  files: string[];
}

// Compiled once: compiling generates code, and every test and start would otherwise pay for it.
// `verbose` puts the offending value on each error, for the "got ..." part of the message.
const ajv = new Ajv({
  useDefaults: true,
  allErrors: false,
  strict: true,
  verbose: true,
  keywords: annotationKeywords,
});
const validateConfig = ajv.compile<Config>(configSchema);

/**
 * Builds the configuration of this node. Later wins: schema defaults, the preset, base file,
 * overlay file (`POSTOFFICE_ENV`), environment variables, CLI flags. Throws `ConfigError` for
 * anything that should stop the start, naming the key, what it accepts and who set it.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { cwd, env, flags } = options;
  const base = await readBaseFile(cwd, env, flags.config);
  const baseDir = base === undefined ? cwd : path.dirname(base.path);
  const overlay = await readOverlayFile(baseDir, env[loaderVariables.overlay]);
  const files = [base, overlay].flatMap((file) => (file === undefined ? [] : [file]));

  const layers = mergeSources({ cwd, env, flags }, files);
  const config = validate(layers);
  resolvePaths(config, layers, baseDir, cwd);
  checkAnonymous(config, layers);
  checkJwt(config.auth.jwt, layers);
  checkLimits(config, layers);
  checkUserSchemas(config, layers);
  checkPermissions(config, layers);
  checkOrigins(config, layers);
  checkTopology(config, layers);
  return { config, files: files.map((file) => file.path) };
}

/**
 * Files, variables and flags, over the preset they name. Which preset that is, only the merged
 * sources can tell: they are merged once to learn it and again on top of it. An unknown name
 * applies nothing and is refused by the schema.
 */
function mergeSources(options: LoadConfigOptions, files: readonly ConfigFile[]): ConfigLayers {
  const merge = (preset?: PresetName) => {
    const layers = new ConfigLayers(options.cwd);
    if (preset !== undefined) {
      // A copy: ajv fills defaults into the merged value, which may share lists with the layer.
      layers.apply(structuredClone(presets[preset]), { kind: "preset", name: preset });
    }
    for (const file of files) layers.apply(file.value, { kind: "file", file });
    applyEnvironment(layers, options.env);
    applyFlags(layers, options.flags);
    return layers;
  };
  const layers = merge();
  const name = layers.value.preset;
  return isPresetName(name) && name !== "none" ? merge(name) : layers;
}

// ---- Schema validation -------------------------------------------------------------------

function validate(layers: ConfigLayers): Config {
  const data = layers.value;
  if (validateConfig(data)) return data;
  const [error] = validateConfig.errors ?? [];
  if (error === undefined) throw new ConfigError("Invalid configuration");
  throw schemaError(error, layers);
}

function schemaError(error: ErrorObject, layers: ConfigLayers): ConfigError {
  const params: Record<string, unknown> = error.params;
  const parentKeys = pointerKeys(error.instancePath);
  if (error.keyword === "additionalProperties") {
    const pointer = `${error.instancePath}/${escapeKey(String(params.additionalProperty))}`;
    const allowed = Object.keys(schemaNodeAt(parentKeys)?.properties ?? {}).join(", ");
    return ConfigError.at(pointer, `unknown key (allowed: ${allowed})`, {
      expected: `one of the keys ${allowed}`,
      source: layers.describe(pointer),
    });
  }
  if (error.keyword === "required") {
    const key = String(params.missingProperty);
    const pointer = `${error.instancePath}/${escapeKey(key)}`;
    const expected = describeExpectedAt([...parentKeys, key]);
    return ConfigError.at(pointer, `missing required key (expected ${expected})`, {
      expected,
      source: layers.describe(error.instancePath),
    });
  }
  const expected = describeExpectedAt(parentKeys);
  const got = formatValue(parentKeys, error.data);
  return ConfigError.at(error.instancePath || "/", `expected ${expected}, got ${got}`, {
    expected,
    source: layers.describe(error.instancePath),
  });
}

/** Secrets do not belong in a crash log, even wrong ones. */
function formatValue(keys: readonly string[], value: unknown): string {
  const key = keys.at(-1);
  if ((key === "token" || key === "secret") && typeof value === "string") {
    return `a ${value.length}-character string`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---- After the schema: paths and rules that span keys -------------------------------------

/**
 * The base of a relative path depends only on who set that key: a file's value is relative to
 * that file's directory; a variable's or a flag's, to the working directory where it was
 * typed; a default (or a preset's) to the base file's directory, or the working directory
 * when there is no base file. So the same file works from any working directory, and setting
 * another key (PORT, --port) never moves the data.
 */
function resolvePaths(config: Config, layers: ConfigLayers, baseDir: string, cwd: string): void {
  const dirFor = (pointer: string) => {
    const origin = layers.originOf(pointer);
    switch (origin?.kind) {
      case "file":
        return path.dirname(origin.file.path);
      case "variable":
      case "flag":
        return cwd;
      case "preset":
      case undefined:
        return baseDir;
    }
  };
  config.server.dataDir = path.resolve(dirFor("/server/dataDir"), config.server.dataDir);
  const jwt = config.auth.jwt;
  if (jwt?.publicKeyFile !== undefined) {
    jwt.publicKeyFile = path.resolve(dirFor("/auth/jwt/publicKeyFile"), jwt.publicKeyFile);
  }
}

function checkAnonymous(config: Config, layers: ConfigLayers): void {
  const { enabled, allowNonLoopback } = config.auth.anonymous;
  const host = config.server.host;
  if (!enabled || allowNonLoopback || isLoopback(host)) return;
  const hostSource = layers.describe("/server/host") ?? "the default";
  throw ConfigError.at(
    "/auth/anonymous/enabled",
    `anonymous mode lets anyone connect as any user, so it only binds a loopback host, but server.host is ${JSON.stringify(host)} (from ${hostSource}). ` +
      "Bind 127.0.0.1 (server.host, POSTOFFICE_HOST or --host 127.0.0.1), or set auth.anonymous.allowNonLoopback: true " +
      "if everyone who can reach this address may act as any user",
    {
      expected:
        "a loopback server.host (127.0.0.0/8, ::1, localhost) or auth.anonymous.allowNonLoopback: true",
      source: layers.describe("/auth/anonymous/enabled"),
    },
  );
}

/**
 * A replay waits while more than half the outbound buffer is unread, then sends one entry:
 * for that never to cut a reader who keeps up, the buffer must hold a few of the largest frames.
 */
function checkLimits(config: Config, layers: ConfigLayers): void {
  const { maxFrameBytes, outboundBufferBytes } = config.limits;
  if (outboundBufferBytes >= 4 * maxFrameBytes) return;
  throw ConfigError.at(
    "/limits/outboundBufferBytes",
    `must be at least 4 × limits.maxFrameBytes (${4 * maxFrameBytes}), got ${outboundBufferBytes}`,
    {
      expected: `an integer ≥ ${4 * maxFrameBytes}`,
      source: layers.describe("/limits/outboundBufferBytes"),
    },
  );
}

/** An operator's JSON Schema is compiled now: a broken one stops the start, not the first frame. */
function checkUserSchemas(config: Config, layers: ConfigLayers): void {
  const schema = config.validation.message;
  if (schema === undefined) return;
  try {
    compileUserSchema(schema);
  } catch (error) {
    const expected = describeExpectedAt(["validation", "message"]);
    throw ConfigError.at(
      "/validation/message",
      `not a valid JSON Schema (ajv: ${(error as Error).message})`,
      { expected, source: layers.describe("/validation/message"), cause: error },
    );
  }
}

/**
 * What the schema cannot say about `permissions` (the `to` target forms, an entry after a
 * catch-all) is checked by compiling them as the node will, so a bad rule stops the start
 * instead of refusing (or allowing) the first frame it meets.
 */
function checkPermissions(config: Config, layers: ConfigLayers): void {
  try {
    new Permissions(config.permissions, new MemoryRoleDirectory());
  } catch (error) {
    if (error instanceof ConfigError && error.path !== undefined) {
      // Permissions names the key at fault; only the layers know who set it.
      const source = layers.describe(error.path);
      const from = source === undefined ? "" : ` (from ${source})`;
      throw new ConfigError(`${error.message}${from}`, {
        path: error.path,
        expected: error.expected,
        source,
        cause: error,
      });
    }
    throw ConfigError.at("/permissions", `cannot be used: ${(error as Error).message}`, {
      source: layers.describe("/permissions"),
      cause: error,
    });
  }
}

/**
 * Which backends may go together [NET-1]. Nodes that share a broker must share mailboxes:
 * with a store per node, mail accepted on one node would be numbered and kept where the
 * recipient's node cannot read it. A Redis store needs the Redis it lives in.
 */
function checkTopology(config: Config, layers: ConfigLayers): void {
  const shared = config.redis.url !== "";
  const store = config.mailbox.store;
  if (shared && store !== "redis") {
    throw ConfigError.at(
      "/mailbox/store",
      `must be "redis" when redis.url is set: nodes that share a broker must share mailboxes, or mail accepted on one node is kept where the recipient's node cannot read it (got "${store}")`,
      { expected: '"redis"', source: layers.describe("/mailbox/store") ?? "the default" },
    );
  }
  if (!shared && store === "redis") {
    throw ConfigError.at("/redis/url", 'is needed by mailbox.store "redis"', {
      expected: "redis://host:port",
      source: layers.describe("/redis/url"),
    });
  }
}

/** Each allowed origin must parse, so a typo does not silently refuse (or admit) a site. */
function checkOrigins(config: Config, layers: ConfigLayers): void {
  config.server.allowedOrigins.forEach((entry, index) => {
    try {
      parsePattern(entry);
    } catch (error) {
      const path = `/server/allowedOrigins/${index}`;
      throw ConfigError.at(path, (error as Error).message, {
        expected: "scheme://host[:port] or scheme://*.host[:port]",
        source: layers.describe(path),
        cause: error,
      });
    }
  });
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost" || name === "::1") return true;
  const v4 = name.startsWith("::ffff:") ? name.slice("::ffff:".length) : name;
  return isIPv4(v4) && v4.startsWith("127.");
}

const jwtKeys = ["secret", "publicKey", "publicKeyFile", "jwksUrl"] as const;

function checkJwt(jwt: JwtConfig | undefined, layers: ConfigLayers): void {
  if (jwt === undefined) return;
  const keys = jwtKeys.filter((key) => jwt[key] !== undefined);
  const expected = `exactly one of ${jwtKeys.join(", ")}`;
  const [first, second] = keys;
  if (first === undefined) {
    throw ConfigError.at("/auth/jwt", `no key to verify tokens with: set ${expected}`, {
      expected,
      source: layers.describe("/auth/jwt"),
    });
  }
  if (second !== undefined) {
    throw ConfigError.at(
      `/auth/jwt/${second}`,
      `${keys.join(" and ")} are all set; which one verifies a token would be a guess: keep ${expected}`,
      { expected, source: layers.describe(`/auth/jwt/${second}`) },
    );
  }
  // An HMAC algorithm with a public key is the classic algorithm-confusion attack: the public
  // key, known to everyone, would become the signing secret.
  const symmetric = first === "secret";
  const misfit = jwt.algorithms?.find((alg) => alg.startsWith("HS") !== symmetric);
  if (misfit !== undefined) {
    const allowed = symmetric ? "HS256, HS384, HS512" : "RS*, PS* or ES* algorithms";
    throw ConfigError.at(
      "/auth/jwt/algorithms",
      `${misfit} cannot be used with auth.jwt.${first}, which allows ${allowed}`,
      { expected: allowed, source: layers.describe("/auth/jwt/algorithms") },
    );
  }
}
