import type { SchemaNode } from "./schema/schema-node.js";
import { configNodeAt } from "./schema.js";

/**
 * Masking of secrets wherever configuration is echoed: error messages now, and any printout
 * of the effective configuration later. Two rules, so that nothing slips between them:
 * - a key the schema knows is secret when it, or a key it lies inside, is marked `secret`
 *   (schema/keywords.ts);
 * - a key the schema does not know (a typo, an unknown key, the inside of an operator's JSON
 *   Schema, a line of a file that does not parse) is secret when a word of its name is
 *   token, secret, key or password.
 * Passwords and secret-named query parameters of URLs (`redis://:pw@host`) are masked too.
 */

export const MASK = "***";

const secretWords = new Set(["token", "secret", "key", "password", "passwd", "pwd"]);

/** Whether a key's name says it holds a secret: `token`, `apiKey`, `db_password`, `secrets`. */
export function isSecretName(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => secretWords.has(word) || secretWords.has(word.replace(/s$/, "")));
}

/** Whether the value at `keys` (["auth", "tokens", "0", "token"]) is, or lies inside, a secret. */
export function isSecretAt(keys: readonly string[]): boolean {
  let node: SchemaNode | undefined = configNodeAt([]);
  for (const key of keys) {
    node = node === undefined ? undefined : childOf(node, key);
    if (node?.secret) return true;
    if (node === undefined && isSecretName(key)) return true;
  }
  return false;
}

/** A copy of `value`, found at `keys`, fit to print: every secret in it masked. */
export function redactValue(value: unknown, keys: readonly string[] = []): unknown {
  if (isSecretAt(keys)) return MASK;
  return redactBelow(value, configNodeAt(keys));
}

/**
 * A value as an error message shows it: a secret string by its length only (what was wrong
 * with it is usually its length), anything else as JSON with its secrets masked, cut at 80
 * characters.
 */
export function formatValue(value: unknown, keys: readonly string[]): string {
  if (isSecretAt(keys)) {
    return typeof value === "string"
      ? `a ${value.length}-character string`
      : "a secret (not shown)";
  }
  const text = JSON.stringify(redactValue(value, keys)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(@)/gi;
const queryParameter = /([?&]([A-Za-z0-9_.-]+)=)([^&#\s"']*)/g;

/**
 * The password of any URL in `text` (`redis://user:pw@host`) and the values of its
 * secret-named query parameters (`?token=…`), through `mask`; the rest unchanged.
 */
export function maskUrlSecrets(
  text: string,
  mask: (secret: string) => string = () => MASK,
): string {
  return text
    .replace(
      urlPassword,
      (_, head: string, password: string, at: string) => head + mask(password) + at,
    )
    .replace(queryParameter, (all: string, head: string, name: string, value: string) =>
      isSecretName(name) ? head + mask(value) : all,
    );
}

function redactBelow(value: unknown, node: SchemaNode | undefined): unknown {
  if (typeof value === "string") return maskUrlSecrets(value);
  if (Array.isArray(value)) {
    const items = node?.type === "array" ? node.items : undefined;
    return value.map((item) => redactBelow(item, items));
  }
  if (typeof value !== "object" || value === null) return value;
  // A mapping where the schema wants something else: its keys are judged by name.
  const known = node?.type === "object" ? node : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childNode = known === undefined ? undefined : childOf(known, key);
    const secret = childNode === undefined ? isSecretName(key) : childNode.secret === true;
    Object.defineProperty(out, key, {
      value: secret ? MASK : redactBelow(child, childNode),
      enumerable: true,
    });
  }
  return out;
}

/** The node of a key inside `node`; undefined where the schema does not know the key. */
function childOf(node: SchemaNode, key: string): SchemaNode | undefined {
  if (node.type === "array") return node.items;
  if (node.userSchema || node.properties === undefined) return undefined;
  return Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
}
