import { Ajv, type ErrorObject } from "ajv";
import type { Config } from "./config.js";
import { ConfigError } from "./config-error.js";
import type { ConfigLayers } from "./config-layers.js";
import { escapeKey, pointerKeys } from "./json-pointer.js";
import { formatValue } from "./redact.js";
import { annotationKeywords, configNodeAt, configSchema, describeExpectedAt } from "./schema.js";

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
 * Checks `data` against the schema, filling in every default (ajv `useDefaults`, in place).
 * The first problem becomes a ConfigError naming the key, what it accepts and, from the
 * layers, who set it; a value is shown with its secrets masked.
 */
export function validate(data: Record<string, unknown>, layers?: ConfigLayers): Config {
  if (validateConfig(data)) return data;
  const [error] = validateConfig.errors ?? [];
  if (error === undefined) throw new ConfigError("Invalid configuration");
  throw schemaError(error, layers);
}

function schemaError(error: ErrorObject, layers: ConfigLayers | undefined): ConfigError {
  const params: Record<string, unknown> = error.params;
  const parentKeys = pointerKeys(error.instancePath);
  const sourceOf = (pointer: string) => layers?.describe(pointer);
  if (error.keyword === "additionalProperties") {
    const pointer = `${error.instancePath}/${escapeKey(String(params.additionalProperty))}`;
    const allowed = Object.keys(configNodeAt(parentKeys)?.properties ?? {}).join(", ");
    return ConfigError.at(pointer, `unknown key (allowed: ${allowed})`, {
      expected: `one of the keys ${allowed}`,
      source: sourceOf(pointer),
    });
  }
  if (error.keyword === "required") {
    const key = String(params.missingProperty);
    const pointer = `${error.instancePath}/${escapeKey(key)}`;
    const expected = describeExpectedAt([...parentKeys, key]);
    return ConfigError.at(pointer, `missing required key (expected ${expected})`, {
      expected,
      source: sourceOf(error.instancePath),
    });
  }
  const expected = describeExpectedAt(parentKeys);
  const got = formatValue(error.data, parentKeys);
  return ConfigError.at(error.instancePath || "/", `expected ${expected}, got ${got}`, {
    expected,
    source: sourceOf(error.instancePath),
  });
}
