import { readFileSync } from "node:fs";
import { VERSION } from "../server/version.js";

/** What `npm run build` records about the build in dist/build-info.json (scripts/build.mjs). */
export interface BuildInfo {
  version: string;
  /** The git commit built, with `-dirty` if the work tree had changes; null outside git. */
  commit: string | null;
}

/**
 * This build's version and commit. Run from the sources (tests), or from a package built
 * without the record, the commit is unknown and the version is package.json's.
 */
export function buildInfo(): BuildInfo {
  try {
    const text = readFileSync(new URL("../build-info.json", import.meta.url), "utf8");
    const { commit } = JSON.parse(text) as { commit?: unknown };
    return { version: VERSION, commit: typeof commit === "string" ? commit : null };
  } catch {
    return { version: VERSION, commit: null };
  }
}
