/** JSON pointers (RFC 6901) name a key in the configuration: ["auth", "jwt"] is "/auth/jwt". */

export function escapeKey(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function toPointer(keys: readonly string[]): string {
  return keys.map((key) => `/${escapeKey(key)}`).join("");
}

export function pointerKeys(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
}
