/**
 * The JSON Schema of `Config`: the source of truth for defaults, limits and descriptions.
 * `docs/configuration.md` mirrors it and a test fails when the two drift.
 *
 * Each top-level section is a file in `schema/` named after its key; the rules every node
 * follows (`default: {}` on objects, `userSchema`) are in `schema/schema-node.ts`.
 */

import { auth } from "./schema/auth.js";
import { chat } from "./schema/chat.js";
import { describeExpected } from "./schema/describe-expected.js";
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

export { jwtAlgorithms } from "./schema/auth.js";
export { describeExpected } from "./schema/describe-expected.js";
export { logLevels } from "./schema/log.js";
export { annotationKeywords, type SchemaNode, type SchemaType } from "./schema/schema-node.js";

export const configSchema: SchemaNode = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  description: "Postoffice configuration (postoffice.yaml).",
  additionalProperties: false,
  properties: {
    preset,
    server,
    auth,
    mailbox,
    limits,
    rooms,
    permissions,
    chat,
    redis,
    validation,
    metrics,
    log,
  },
};

/** The schema node at a key path such as ["server", "port"]; array items are entered by index. */
export function schemaNodeAt(path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = configSchema;
  for (const key of path) {
    if (node === undefined) return undefined;
    node = node.type === "array" ? node.items : node.properties?.[key];
  }
  return node;
}

/** What the key at `path` accepts, in words; "a valid value" where the schema has no such key. */
export function describeExpectedAt(path: readonly string[]): string {
  const node = schemaNodeAt(path);
  return node === undefined ? "a valid value" : describeExpected(node);
}
