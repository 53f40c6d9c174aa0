import { ConfigError } from "./config-error.js";
import type { ConfigLayers } from "./config-layers.js";
import { ENV_FILE } from "./env-file.js";
import { toPointer } from "./json-pointer.js";
import { isSecretAt, maskUrlSecrets } from "./redact.js";
import type { SchemaNode } from "./schema/schema-node.js";
import { holdsSecret } from "./schema/walk.js";
import { configNodeAt, configSchemaNode, describeExpectedAt, schemaLeaves } from "./schema.js";

/** How a variable's text becomes a configuration value; follows from the key's type. */
export type EnvParse = "string" | "integer" | "boolean" | "json" | "list";

export interface EnvVariable {
  variable: string;
  /** Key path in `Config`, e.g. ["server", "port"]. */
  path: readonly string[];
  parse: EnvParse;
  /** Also read from `.env` in the working directory when the environment lacks it (`envFile`). */
  envFile: boolean;
}

export { loaderVariables } from "./config-file.js";

/**
 * Every variable that sets a key, from the `env` annotations of the schema, in schema order.
 * For one key they apply in the order the annotation lists them, so a later one wins: `PORT`
 * (set by most platforms) before `POSTOFFICE_PORT`, which is what the operator chose.
 */
export const envVariables: readonly EnvVariable[] = schemaLeaves(configSchemaNode).flatMap(
  ({ keys, node }) =>
    (node.env ?? []).map((variable) => ({
      variable,
      path: keys,
      parse: parseFor(node),
      envFile: node.envFile === true,
    })),
);

/** A list of strings is comma-separated; a list of mappings (auth.tokens) is JSON. */
export function parseFor(node: SchemaNode): EnvParse {
  switch (node.type) {
    case "string":
    case "integer":
    case "boolean":
      return node.type;
    case "array":
      return node.items?.type === "string" ? "list" : "json";
    case "object":
      return "json";
  }
}

/**
 * One layer per set variable of `variables`, in the table's order. A variable of a key marked
 * `envFile` that the environment lacks is taken from `envFile` (the `.env` file's variables).
 */
export function applyEnvironment(
  layers: ConfigLayers,
  env: NodeJS.ProcessEnv,
  envFile: Readonly<Record<string, string>> = {},
  variables: readonly EnvVariable[] = envVariables,
): void {
  for (const { variable, path: keys, parse, envFile: fromFile } of variables) {
    let raw = env[variable];
    let source = variable;
    // An empty variable is how shells and compose files say "unset".
    if ((raw === undefined || raw === "") && fromFile && Object.hasOwn(envFile, variable)) {
      raw = envFile[variable];
      source = `${variable} (${ENV_FILE})`;
    }
    if (raw === undefined || raw === "") continue;
    const parsed = parseEnvValue(raw, parse);
    if (!parsed.ok) throw unreadable(keys, raw, source, parsed.expected);
    layers.set(keys, parsed.value, { kind: "variable", name: source });
  }
}

/**
 * The error for text that is not a value of the key's type (`PORT=abc`, `--port 80a`). The
 * text is echoed unless the key holds a secret (`POSTOFFICE_AUTH_TOKENS`): then only its
 * length is, without the parser's detail, which quotes the text around the fault.
 */
export function unreadable(
  keys: readonly string[],
  raw: string,
  source: string,
  expected = describeExpectedAt(keys),
): ConfigError {
  const node = configNodeAt(keys);
  if (isSecretAt(keys) || (node !== undefined && holdsSecret(node))) {
    const kind = expected.replace(/ \(.*\)$/s, "");
    return ConfigError.at(
      toPointer(keys),
      `expected ${kind}, got ${raw.length} characters that are not ${kind} (not shown: they may hold secrets)`,
      { expected: kind, source },
    );
  }
  return ConfigError.at(
    toPointer(keys),
    `expected ${expected}, got ${JSON.stringify(maskUrlSecrets(raw))}`,
    { expected, source },
  );
}

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
