#!/usr/bin/env node
// Bundles the web page (web/) and the client SDK it is built on into dist/web/, which the
// server serves at /, /dashboard and /assets/. Run by `npm run build` after tsc.
//
//   node scripts/build-web.mjs [--outdir DIR]
//
// The bundle targets the browser (`platform: "browser"`): an import of a Node module
// (`node:fs`, ...) anywhere in the page or the SDK fails the build.
// Scripts and styles get content-hashed names (served as immutable); the pages' references
// to `assets/<name>.js|css` are rewritten to those names.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const ENTRIES = { chat: "web/chat.ts", dashboard: "web/dashboard.ts", style: "web/style.css" };
const PAGES = ["index.html", "dashboard.html"];

export async function buildWeb(outdir = join(root, "dist/web")) {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: join(outdir, "assets"),
    entryNames: "[name]-[hash]",
    bundle: true,
    platform: "browser",
    format: "esm",
    target: ["es2022"],
    minify: true,
    sourcemap: "linked",
    metafile: true,
    logLevel: "silent",
  });
  // `assets/chat.js` → `assets/chat-5XK2LQ4M.js`, from what esbuild wrote.
  const names = new Map();
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === undefined) continue;
    const entry = Object.entries(ENTRIES).find(([, source]) => source === meta.entryPoint);
    if (entry)
      names.set(`assets/${entry[0]}${output.slice(output.lastIndexOf("."))}`, basename(output));
  }
  for (const page of PAGES) {
    const html = await readFile(join(root, "web", page), "utf8");
    const built = html.replace(/assets\/[\w-]+\.(?:js|css)/g, (reference) => {
      const hashed = names.get(reference);
      if (hashed === undefined)
        throw new Error(`web/${page} refers to ${reference}, which is not built`);
      return `assets/${hashed}`;
    });
    await mkdir(outdir, { recursive: true });
    await writeFile(join(outdir, page), built);
  }
  return { outdir, assets: [...names.values()] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--outdir");
  const outdir = at > 0 ? resolve(process.argv[at + 1] ?? "") : undefined;
  buildWeb(outdir).then(
    ({ outdir: dir, assets }) => {
      process.stdout.write(`web page built in ${dir}: ${assets.join(", ")}\n`);
    },
    (error) => {
      console.error(`build-web: ${error.message}`);
      process.exit(1);
    },
  );
}
