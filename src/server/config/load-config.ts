import { readFile } from "node:fs/promises";
import { isIPv4 } from "node:net";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import type { Config, JwtConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import { envVariables, loaderVariables, parseEnvValue } from "./env.js";
import { configSchema, describeExpected, type SchemaNode, schemaNodeAt } from "./schema.js";

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
const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, verbose: true });
const validateConfig = ajv.compile<Config>(configSchema);

const baseNames = ["postoffice.yaml", "postoffice.yml", "postoffice.json"];
const extensions = [".yaml", ".yml", ".json"];

/**
 * Builds the configuration of this node. Later wins: schema defaults, base file, overlay file
 * (`POSTOFFICE_ENV`), environment variables, CLI flags. Throws `ConfigError` for anything
 * that should stop the start, naming the key, what it accepts and who set it.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { cwd, env, flags } = options;
  const layers = new Layers(cwd);
  const base = await readBaseFile(cwd, env, flags);
  const baseDir = base === undefined ? cwd : path.dirname(base.path);
  if (base !== undefined) layers.apply(base.value, { kind: "file", file: base });

  const overlay = await readOverlayFile(baseDir, env[loaderVariables.overlay]);
  if (overlay !== undefined) layers.apply(overlay.value, { kind: "file", file: overlay });

  applyEnvironment(layers, env);
  applyFlags(layers, flags);
  const config = validate(layers);
  resolvePaths(config, layers, baseDir, cwd);
  checkAnonymous(config, layers);
  checkJwt(config.auth.jwt, layers);
  const files = [base, overlay].flatMap((file) => (file === undefined ? [] : [file.path]));
  return { config, files };
}

// ---- Files -------------------------------------------------------------------------------

interface ConfigFile {
  path: string;
  value: Record<string, unknown>;
  doc: Document;
  lines: LineCounter;
}

async function readBaseFile(cwd: string, env: NodeJS.ProcessEnv, flags: ConfigFlags) {
  const named = nonEmpty(flags.config) ?? nonEmpty(env[loaderVariables.config]);
  if (named !== undefined) {
    const source = nonEmpty(flags.config) === undefined ? loaderVariables.config : "--config";
    const file = path.resolve(cwd, named);
    const text = await readIfExists(file);
    if (text === undefined) {
      throw new ConfigError(`Configuration file not found: ${file} (from ${source})`, { source });
    }
    return parseConfigFile(file, text, cwd);
  }
  return readFirstExisting(
    baseNames.map((name) => path.join(cwd, name)),
    cwd,
  );
}

async function readOverlayFile(dir: string, name: string | undefined) {
  if (name === undefined || name === "") return undefined;
  // The name becomes part of a file name: keep it from walking out of the directory.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new ConfigError(
      `Invalid ${loaderVariables.overlay} ${JSON.stringify(name)}: expected a name of letters, digits, "-" and "_", such as production`,
      { source: loaderVariables.overlay, expected: "letters, digits, - and _" },
    );
  }
  const candidates = extensions.map((ext) => path.join(dir, `postoffice.${name}${ext}`));
  return readFirstExisting(candidates, dir);
}

async function readFirstExisting(files: string[], cwd: string) {
  for (const file of files) {
    const text = await readIfExists(file);
    if (text !== undefined) return parseConfigFile(file, text, cwd);
  }
  return undefined;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`Cannot read configuration file ${file}: ${(error as Error).message}`, {
      source: file,
      cause: error,
    });
  }
}

/** YAML is a superset of JSON, so one parser serves .yaml, .yml and .json alike. */
function parseConfigFile(file: string, text: string, cwd: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const [problem] = doc.errors;
  if (problem !== undefined) {
    const line = problem.linePos?.[0].line;
    const where = line === undefined ? displayPath(file, cwd) : `${displayPath(file, cwd)}:${line}`;
    throw new ConfigError(`Cannot parse configuration file ${file}: ${problem.message}`, {
      source: where,
      cause: problem,
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { path: file, value: {}, doc, lines };
  if (!isPlainObject(value)) {
    throw new ConfigError(
      `Invalid configuration file ${file}: the top level must be a mapping of keys to values`,
      { source: displayPath(file, cwd), path: "" },
    );
  }
  return { path: file, value, doc, lines };
}

// ---- Layers and where each value came from --------------------------------------------------

type Origin =
  | { kind: "file"; file: ConfigFile }
  | { kind: "variable"; name: string }
  | { kind: "flag"; name: string };

/** The merged value plus, for every JSON pointer written, the layer that wrote it last. */
class Layers {
  readonly value: Record<string, unknown> = {};
  private readonly origins = new Map<string, Origin>();

  constructor(private readonly cwd: string) {}

  /** Objects merge key by key; arrays and scalars replace. */
  apply(layer: Record<string, unknown>, origin: Origin): void {
    this.mergeInto(this.value, layer, "", origin);
  }

  set(keys: readonly string[], value: unknown, origin: Origin): void {
    const nested = keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
    if (isPlainObject(nested)) this.apply(nested, origin);
  }

  /** The layer that set this pointer or, failing that, its nearest parent. */
  originOf(pointer: string): Origin | undefined {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
      const origin = this.origins.get(p);
      if (origin !== undefined || p === "") return origin;
    }
  }

  /** "postoffice.yaml:3", "POSTOFFICE_PORT" or "--port"; undefined for a default. */
  describe(pointer: string): string | undefined {
    const origin = this.originOf(pointer);
    if (origin === undefined) return undefined;
    if (origin.kind !== "file") return origin.name;
    const where = displayPath(origin.file.path, this.cwd);
    const line = lineOf(origin.file, pointerKeys(pointer));
    return line === undefined ? where : `${where}:${line}`;
  }

  private mergeInto(
    target: Record<string, unknown>,
    source: Record<string, unknown>,
    pointer: string,
    origin: Origin,
  ): void {
    for (const [key, value] of Object.entries(source)) {
      const child = `${pointer}/${escapeKey(key)}`;
      this.origins.set(child, origin);
      if (!isPlainObject(value)) {
        setOwn(target, key, value);
        continue;
      }
      // hasOwn: a key named __proto__ must stay data (and be reported unknown), never a prototype.
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      const into = isPlainObject(existing) ? existing : {};
      setOwn(target, key, into);
      this.mergeInto(into, value, child, origin);
    }
  }
}

function lineOf(file: ConfigFile, keys: string[]): number | undefined {
  for (let n = keys.length; n >= 0; n--) {
    const node = file.doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) return file.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

// ---- Variables and flags -----------------------------------------------------------------------

function applyEnvironment(layers: Layers, env: NodeJS.ProcessEnv): void {
  for (const { variable, path: keys, parse } of envVariables) {
    const raw = env[variable];
    // An empty variable is how shells and compose files say "unset".
    if (raw === undefined || raw === "") continue;
    const parsed = parseEnvValue(raw, parse);
    if (!parsed.ok) throw unparsable(keys, raw, variable, parsed.expected);
    layers.set(keys, parsed.value, { kind: "variable", name: variable });
  }
}

function applyFlags(layers: Layers, flags: ConfigFlags): void {
  if (typeof flags.port === "string") {
    const parsed = parseEnvValue(flags.port, "integer");
    if (!parsed.ok) throw unparsable(["server", "port"], flags.port, "--port", parsed.expected);
    layers.set(["server", "port"], parsed.value, { kind: "flag", name: "--port" });
  } else if (flags.port !== undefined) {
    layers.set(["server", "port"], flags.port, { kind: "flag", name: "--port" });
  }
  if (flags.host !== undefined) {
    layers.set(["server", "host"], flags.host, { kind: "flag", name: "--host" });
  }
}

function unparsable(keys: readonly string[], raw: string, source: string, expected?: string) {
  const node = schemaNodeAt(keys);
  const wanted = expected ?? (node === undefined ? "a valid value" : describeExpected(node));
  return ConfigError.at(toPointer(keys), `expected ${wanted}, got ${JSON.stringify(raw)}`, {
    expected: wanted,
    source,
  });
}

// ---- Schema validation -------------------------------------------------------------------

function validate(layers: Layers): Config {
  const data = layers.value;
  if (validateConfig(data)) return data;
  const [error] = validateConfig.errors ?? [];
  if (error === undefined) throw new ConfigError("Invalid configuration");
  throw schemaError(error, layers);
}

function schemaError(error: ErrorObject, layers: Layers): ConfigError {
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
    const expected = describeAt([...parentKeys, key]);
    return ConfigError.at(pointer, `missing required key (expected ${expected})`, {
      expected,
      source: layers.describe(error.instancePath),
    });
  }
  const expected = describeAt(parentKeys);
  const got = formatValue(parentKeys, error.data);
  return ConfigError.at(error.instancePath || "/", `expected ${expected}, got ${got}`, {
    expected,
    source: layers.describe(error.instancePath),
  });
}

function describeAt(keys: readonly string[]): string {
  const node: SchemaNode | undefined = schemaNodeAt(keys);
  return node === undefined ? "a valid value" : describeExpected(node);
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

/** A path from a file is relative to that file; one typed in a shell, to where it was typed. */
function resolvePaths(config: Config, layers: Layers, baseDir: string, cwd: string): void {
  const dirFor = (pointer: string) => {
    const kind = layers.originOf(pointer)?.kind;
    return kind === "variable" || kind === "flag" ? cwd : baseDir;
  };
  config.server.dataDir = path.resolve(dirFor("/server/dataDir"), config.server.dataDir);
  const jwt = config.auth.jwt;
  if (jwt?.publicKeyFile !== undefined) {
    jwt.publicKeyFile = path.resolve(dirFor("/auth/jwt/publicKeyFile"), jwt.publicKeyFile);
  }
}

function checkAnonymous(config: Config, layers: Layers): void {
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

function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost" || name === "::1") return true;
  const v4 = name.startsWith("::ffff:") ? name.slice("::ffff:".length) : name;
  return isIPv4(v4) && v4.startsWith("127.");
}

const jwtKeys = ["secret", "publicKey", "publicKeyFile", "jwksUrl"] as const;

function checkJwt(jwt: JwtConfig | undefined, layers: Layers): void {
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

// ---- Small helpers -------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function escapeKey(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function toPointer(keys: readonly string[]): string {
  return keys.map((key) => `/${escapeKey(key)}`).join("");
}

function pointerKeys(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
