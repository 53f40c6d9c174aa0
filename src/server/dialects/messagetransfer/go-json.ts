/**
 * JSON as the Go seeds write it with `json.Encoder` (gorilla's `WriteJSON`): map keys sorted,
 * `<`, `>` and `&` escaped as `\u003c`, `\u003e`, `\u0026` (Go's HTML-safe default), U+2028 and
 * U+2029 escaped, a lone surrogate read as U+FFFD (Go decodes it so), and a newline after the
 * value. Their clients compare bytes as often as they parse, so the bytes are the seed's.
 */
export function goJson(value: unknown): string {
  return `${goText(value)}\n`;
}

/**
 * The value of `name` in a decoded JSON object as Go's `json.Unmarshal` finds a struct field:
 * keys match without regard to case (`Token` fills `token`), the last matching key wins.
 */
export function goField(object: Record<string, unknown>, name: string): unknown {
  let found: unknown;
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === name) found = object[key];
  }
  return found;
}

/**
 * A Go struct as `json.Marshal` writes it: its fields in their declared order (not sorted, as a
 * map's keys are), escaped as above, with no newline.
 */
export function goStruct(fields: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${fields.map(([key, value]) => `${goString(key)}:${goText(value)}`).join(",")}}`;
}

const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escaped(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Written by hand rather than by JSON.stringify of a sorted copy: a JavaScript object puts keys
 * that look like integers first, whatever order they were added in. Nesting is bounded by the
 * decoder's limits (limits.maxNestingDepth) before any value gets here.
 */
function goText(value: unknown): string {
  if (typeof value === "string") return goString(value);
  if (Array.isArray(value)) return `[${value.map(goText).join(",")}]`;
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(byCodePoint)
    .map((key) => `${goString(key)}:${goText(object[key])}`);
  return `{${members.join(",")}}`;
}

function goString(text: string): string {
  return JSON.stringify(text.replace(LONE_SURROGATE, "\ufffd")).replace(GO_ESCAPED, escaped);
}

/** Go sorts map keys by their UTF-8 bytes, which is code point order, not UTF-16 order. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
