import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One file of the web page, read once at start and served from memory. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

/**
 * Where `npm run build` (scripts/build-web.mjs) writes the page: `dist/web/` of the package.
 * This module is `src/server/gateway/` under vitest and `dist/server/gateway/` once built;
 * both are three levels below the package root.
 */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../../dist/web/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The pages, under their routes; the pages name their assets by content hash. */
const PAGES: Record<string, string> = { "/": "index.html", "/dashboard": "dashboard.html" };

/** Hashed names never change content, so they are cached for good; pages are revalidated. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/**
 * The files of the built web page by URL path: the two pages and the flat `assets/` folder,
 * read when the node starts. A request is answered only if its exact path is a key of this
 * map, so no path the client sends ever reaches the file system (no traversal). Returns
 * `undefined` when the page was not built (`tsc` alone does not build it).
 */
export function loadStaticAssets(dir = DEFAULT_WEB_DIR): Map<string, StaticAsset> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const assets = new Map<string, StaticAsset>();
  for (const [route, file] of Object.entries(PAGES)) {
    const path = join(dir, file);
    if (existsSync(path)) assets.set(route, asset(readFileSync(path), ".html", REVALIDATE));
  }
  const assetDir = join(dir, "assets");
  if (existsSync(assetDir)) {
    for (const entry of readdirSync(assetDir, { withFileTypes: true })) {
      const type = extname(entry.name);
      if (!entry.isFile() || CONTENT_TYPES[type] === undefined) continue;
      const body = readFileSync(join(assetDir, entry.name));
      assets.set(`/assets/${entry.name}`, asset(body, type, IMMUTABLE));
    }
  }
  return assets;
}

function asset(body: Buffer, type: string, cacheControl: string): StaticAsset {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return {
    body,
    contentType: CONTENT_TYPES[type] ?? "application/octet-stream",
    cacheControl,
    etag: `"${hash}"`,
  };
}
