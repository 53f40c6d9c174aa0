import type { JsonObject, JsonValue } from "../../protocol/index.js";

/**
 * The sender's data minus addressing (`to`, `room`), untouched otherwise, in its key order.
 * `__proto__` (an own key after JSON.parse) is defined, not assigned, so it stays data.
 */
export function bodyOf(data: JsonObject): JsonObject {
  const body: JsonObject = {};
  for (const key of Object.keys(data)) {
    if (key === "to" || key === "room") continue;
    const value = data[key] as JsonValue;
    if (key === "__proto__")
      Object.defineProperty(body, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else body[key] = value;
  }
  return body;
}
