// Characters that mean something in a RegExp; a glob treats them all as themselves.
const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * A glob as an anchored, case-sensitive RegExp: `*` matches any run of characters (none
 * included), everything else is literal. Operators write room names, not regular
 * expressions, so no other metacharacter is offered to be misunderstood.
 */
export function globToRegExp(pattern: string): RegExp {
  // Runs of `*` collapse to one: `a**b` means `a*b`, and one `.*` backtracks less than two.
  const body = pattern
    .split(/\*+/)
    .map((literal) => literal.replace(REGEXP_SPECIAL, "\\$&"))
    .join(".*");
  // `s`: a room or user id with a newline in it is still "any run of characters".
  return new RegExp(`^${body}$`, "s");
}
