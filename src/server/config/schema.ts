/**
 * The configuration's one definition. Each top-level section is a module in `schema/` named
 * after its key, written with TypeBox, which gives at once:
 * - the JSON Schema that ajv checks (with defaults and descriptions),
 * - `Config`, its static type (config.ts),
 * - the defaults (defaults.ts), the environment variables (`env` annotations, env.ts), the
 *   keys masked in every echo (`secret`, redact.ts),
 * - and the tables of docs/configuration.md (config-docs.ts, `npm run docs:config`).
 *
 * To add a section (`events:`, `endpoints:`, `amqp:`...): write `schema/<key>.ts` exporting a
 * `section(...)` (schema/nodes.ts), add it to `sections` below, run `npm run docs:config`
 * after placing a `<!-- config-table: <key> -->` marker in the docs. A key inside an existing
 * section is one line in that section's module. The shapes it may use, and the annotations,
 * are in schema/schema-node.ts and schema/keywords.ts.
 */

import { Type } from "typebox";
import { amqpchat } from "./schema/amqpchat.js";
import { auth } from "./schema/auth.js";
import { chat } from "./schema/chat.js";
import { describeExpected } from "./schema/describe-expected.js";
import { endpoints } from "./schema/endpoints.js";
import { events, plugins } from "./schema/events.js";
import { limits } from "./schema/limits.js";
import { log } from "./schema/log.js";
import { mailbox } from "./schema/mailbox.js";
import { metrics } from "./schema/metrics.js";
import { permissions } from "./schema/permissions.js";
import { preset } from "./schema/preset.js";
import { redis } from "./schema/redis.js";
import { rooms } from "./schema/rooms.js";
import type { SchemaNode } from "./schema/schema-node.js";
import { server } from "./schema/server.js";
import { validation } from "./schema/validation.js";
import { schemaNodeAt } from "./schema/walk.js";

export { annotationKeywords } from "./schema/keywords.js";
export type { SchemaNode, SchemaType } from "./schema/schema-node.js";
export { type SchemaLeaf, schemaLeaves } from "./schema/walk.js";

/** The top-level keys, in the order errors list them and the docs show them. */
const sections = {
  preset,
  server,
  endpoints,
  auth,
  mailbox,
  limits,
  rooms,
  permissions,
  events,
  plugins,
  chat,
  amqpchat,
  redis,
  validation,
  metrics,
  log,
};

export const configSchema = Type.Object(sections, {
  $schema: "http://json-schema.org/draft-07/schema#",
  description: "Postoffice configuration (postoffice.yaml).",
  additionalProperties: false,
});

/**
 * The same schema as the code that walks it sees it. TypeBox's types describe what a schema
 * validates, not its keywords; the schema tests check that every node keeps to `SchemaNode`.
 */
export const configSchemaNode = configSchema as unknown as SchemaNode;

/** The schema node at a key path such as ["server", "port"]; array items are entered by index. */
export function configNodeAt(keys: readonly string[]): SchemaNode | undefined {
  return schemaNodeAt(configSchemaNode, keys);
}

/** What the key at `keys` accepts, in words; "a valid value" where the schema has no such key. */
export function describeExpectedAt(keys: readonly string[]): string {
  const node = configNodeAt(keys);
  return node === undefined ? "a valid value" : describeExpected(node);
}
