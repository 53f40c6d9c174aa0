import { PLACEHOLDER } from "./placeholder.js";

/**
 * GoDispatch writes a payload as JSON text with placeholders in it, and splices raw strings
 * into it at run time: `'{"message": "{.payload.message}"}'` breaks on a message with a quote.
 * Here the text is parsed once, at start, into the value it describes, whose strings keep
 * their placeholders; it is then a template like any other (template.ts), so every value
 * lands as a value. A placeholder written outside quotes (`{"n": {.payload.n}}`) is a whole
 * value there. Returns the value, or why the text is not JSON.
 */
export function parseJsonTextTemplate(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = text.trim();
  // A text that is exactly one placeholder ("{.payload}") is that value, as in GoDispatch.
  const whole = new RegExp(`^${PLACEHOLDER.source}$`).exec(trimmed);
  if (whole !== null) return { ok: true, value: trimmed };
  const bare: string[] = [];
  const marked = markBarePlaceholders(text, bare);
  let parsed: unknown;
  try {
    parsed = JSON.parse(marked);
  } catch (error) {
    return {
      ok: false,
      message: `is not JSON with placeholders (${(error as Error).message}); GoDispatch could not send it either`,
    };
  }
  return { ok: true, value: unmark(parsed, bare) };
}

const MARK = "\u0000placeholder:";

/** Each placeholder outside a JSON string becomes a marked string, remembered by index. */
function markBarePlaceholders(text: string, bare: string[]): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (char === '"') {
        inString = false;
      }
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
      continue;
    }
    if (char === "{") {
      const sticky = new RegExp(PLACEHOLDER.source, "y");
      sticky.lastIndex = i;
      const match = sticky.exec(text);
      if (match !== null) {
        out += JSON.stringify(`${MARK}${bare.length}`);
        bare.push(match[0]);
        i += match[0].length - 1;
        continue;
      }
    }
    out += char;
  }
  return out;
}

function unmark(value: unknown, bare: readonly string[]): unknown {
  if (typeof value === "string" && value.startsWith(MARK)) {
    return bare[Number(value.slice(MARK.length))] ?? value;
  }
  if (Array.isArray(value)) return value.map((item) => unmark(item, bare));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmark(v, bare)]));
  }
  return value;
}
