import { isSecretName, maskUrlSecrets } from "./redact.js";

/**
 * The text of a configuration file with its secrets masked character for character (each
 * becomes `*`), so that the lines and columns a parse error points at stay where they are.
 * The file did not parse, so keys are found by their look (`name:`) and judged by name:
 * - the value after a secret-named key, to the end of the line (in a flow mapping
 *   `{ token: x, user: a }`, to the next `,`, `}` or `]`);
 * - below a secret-named key with a block scalar (`secret: |`) or an unclosed quote, every
 *   more-indented line; below one with nothing after the colon (`tokens:`), every
 *   more-indented line that is not itself a `key:` line (those are judged by their own name);
 * - the password and secret-named query parameters of a URL anywhere.
 */
export function redactConfigText(text: string): string {
  let below: { indent: number; keysJudged: boolean } | undefined;
  return text
    .split("\n")
    .map((line) => {
      const indent = line.search(/\S/);
      if (below !== undefined && indent !== -1 && indent <= below.indent) below = undefined;
      if (below !== undefined && (!below.keysJudged || keyOf(line) === undefined)) {
        return maskAll(line);
      }
      const { masked, opens } = maskLine(line);
      if (opens !== undefined) below = { indent, keysJudged: opens === "nested" };
      return masked;
    })
    .join("\n");
}

type Opens = "block" | "nested";

const keyPattern = /(^|[\s{,[-])(["']?)([A-Za-z0-9_$.-]+)\2[ \t]*:(?=\s|$)/g;

function keyOf(line: string): string | undefined {
  keyPattern.lastIndex = 0;
  return keyPattern.exec(line)?.[3];
}

function maskLine(line: string): { masked: string; opens: Opens | undefined } {
  let masked = maskUrlSecrets(line, maskAll);
  let opens: Opens | undefined;
  keyPattern.lastIndex = 0;
  for (let match = keyPattern.exec(line); match !== null; match = keyPattern.exec(line)) {
    const name = match[3] ?? "";
    if (!isSecretName(name)) continue;
    const start = match.index + match[0].length;
    const rest = line.slice(start);
    const value = rest.trim();
    if (value === "") {
      opens = "nested";
      continue;
    }
    if (/^[|>]/.test(value) || unclosedQuote(value)) opens = "block";
    const inFlow = /[{[]/.test(line.slice(0, match.index + 1));
    const end = inFlow ? flowValueEnd(line, start) : line.length;
    masked = masked.slice(0, start) + maskAll(masked.slice(start, end)) + masked.slice(end);
  }
  return { masked, opens };
}

function flowValueEnd(line: string, start: number): number {
  let quote: string | undefined;
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "," || c === "}" || c === "]") {
      return i;
    }
  }
  return line.length;
}

function unclosedQuote(value: string): boolean {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return false;
  return value.indexOf(quote, 1) === -1;
}

function maskAll(text: string): string {
  return text.replace(/\S/g, "*");
}
