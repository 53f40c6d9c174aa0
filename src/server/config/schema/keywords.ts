import type { KeywordDefinition } from "ajv";

/**
 * Our own keywords in the configuration schema. They carry meaning for the loader, the
 * redaction of echoes and the docs, and none for validation; ajv checks their shape when it
 * compiles the schema (a typo in an annotation fails every test), then ignores them.
 */
export interface ConfigAnnotations {
  /**
   * Environment variables that set this key, in the order they apply: a later one wins
   * (`PORT` before `POSTOFFICE_PORT`). How a variable's text is read follows from the key's
   * type (see `env.ts`).
   */
  env?: readonly string[];
  /**
   * The `env` variables are also read from a `.env` file in the working directory when the
   * environment lacks them (the environment wins), as a seed server reads its own settings:
   * for dialect settings, so that a seed's `.env` works as it is (env-file.ts).
   */
  envFile?: true;
  /**
   * The value is a secret: every echo of configuration (error messages, and any printout of
   * the effective configuration) masks it, and everything inside it.
   */
  secret?: true;
  /**
   * The value is a JSON Schema the operator writes (`validation.message`), not keys of ours:
   * an open object with no default, never descended into. Only here may an object lack
   * `additionalProperties: false` and `default: {}`; the schema tests enforce both rules for
   * every other object.
   */
  userSchema?: true;
  /**
   * The value is a mapping whose keys the operator names (`events`: event name → definition),
   * checked and compiled by the component that owns it, which reports every problem with its
   * key and line: here, like `userSchema`, an open object without default, one key of ours.
   */
  namedEntries?: true;
}

export const annotationKeywords: KeywordDefinition[] = [
  {
    keyword: "env",
    metaSchema: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: "^[A-Z][A-Z0-9_]*$" },
    },
  },
  { keyword: "envFile", metaSchema: { const: true } },
  { keyword: "secret", metaSchema: { const: true } },
  { keyword: "userSchema", metaSchema: { const: true } },
  { keyword: "namedEntries", metaSchema: { const: true } },
];
