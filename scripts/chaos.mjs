#!/usr/bin/env node
// Runs the chaos harness of test/chaos by hand, longer than the CI-sized run of `npm test`:
//
//   npm run chaos -- --cycles 1000 --seed 12345 [--topology sqlite|redis|both] [--json FILE]
//
// The harness is TypeScript; esbuild bundles its entry (test/chaos/chaos-cli.ts) into
// node_modules/.cache, its packages left as imports, and Node runs that. `npm run chaos`
// builds dist/ first: the harness drives `node dist/cli/main.js start` as a child process.
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = join(root, "node_modules/.cache/postoffice-chaos/chaos-cli.mjs");
await build({
  absWorkingDir: root,
  entryPoints: ["test/chaos/chaos-cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: ["node20"],
  packages: "external",
  logLevel: "warning",
});
process.chdir(root);
await import(pathToFileURL(outfile).href);
