/** The `pattern`s that more than one place of the schema shares, and what they mean in words. */

export const httpUrl = "^https?://\\S+$";

export const urlPath = "^/";

/** Patterns in words, for error messages: a regex is no help to the person fixing a file. */
export const patternMeanings: Record<string, string> = {
  [httpUrl]: "an http:// or https:// URL",
  [urlPath]: "a URL path starting with /",
};
