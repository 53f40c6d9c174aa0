#!/usr/bin/env node
// `npm run build`: compiles src/ into dist/ (tsc), bundles the web page (build-web.mjs), then
// records the build in dist/build-info.json: the version, the git commit, and the signature
// of the inputs taken *before* compiling, so that a file edited during the build makes the
// next `npm start` build again (build-if-changed.mjs). A failed build leaves no record.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inputsSignature, recordOf, root } from "./build-inputs.mjs";
import { buildWeb } from "./build-web.mjs";

const record = recordOf();

export async function build() {
  const inputs = await inputsSignature();
  await rm(record, { force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (compiled.status !== 0) throw new Error("tsc failed (its errors are above)");
  const { outdir, assets } = await buildWeb();
  process.stdout.write(`web page built in ${outdir}: ${assets.join(", ")}\n`);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  await mkdir(join(root, "dist"), { recursive: true });
  await writeFile(record, `${JSON.stringify({ version, commit: gitCommit(), inputs }, null, 2)}\n`);
}

/** `1a2b3c4d5e6f`, `-dirty` when tracked files differ from it; null outside a git checkout. */
function gitCommit() {
  const git = (...args) => spawnSync("git", args, { cwd: root, encoding: "utf8", timeout: 5000 });
  const head = git("rev-parse", "--short=12", "HEAD");
  if (head.status !== 0) return null;
  const status = git("status", "--porcelain", "--untracked-files=no");
  const dirty = status.status === 0 && status.stdout.trim() !== "";
  return `${head.stdout.trim()}${dirty ? "-dirty" : ""}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build().catch((error) => {
    console.error(`build: ${error.message}`);
    process.exit(1);
  });
}
