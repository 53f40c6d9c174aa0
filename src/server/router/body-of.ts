import type { JsonObject } from "../../protocol/index.js";

/** Fields of a message frame's data that address it rather than make up its body. */
const ADDRESS_FIELDS = new Set(["to", "room"]);

/**
 * The sender's data minus addressing, untouched otherwise. fromEntries defines keys, so even
 * `__proto__` stays data.
 */
export function bodyOf(data: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(data).filter(([key]) => !ADDRESS_FIELDS.has(key)));
}
