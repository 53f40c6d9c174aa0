// Rewrites the key tables of docs/configuration.md from the configuration schema (see
// src/server/config/config-docs.ts). Run through `npm run docs:config`, which builds first:
// this imports the compiled schema from dist/.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderConfigDocs } from "../dist/server/config/config-docs.js";

const file = fileURLToPath(new URL("../docs/configuration.md", import.meta.url));
const before = await readFile(file, "utf8");
const after = renderConfigDocs(before);
if (after === before) {
  process.stdout.write("docs/configuration.md: tables up to date\n");
} else {
  await writeFile(file, after);
  process.stdout.write("docs/configuration.md: tables rewritten from the schema\n");
}
