// What a build is made from, and a cheap signature of it: the path, size and modification time
// of every input file, hashed. No file is read, so it takes milliseconds; any edit, new file,
// deletion or rename changes it (an edit that keeps both size and time does not, and
// `npm run build` still builds whatever the signature says).
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

/** Directories read whole, and single files, relative to the package root. */
const DIRECTORIES = ["src", "web"];
const FILES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build.mjs",
  "scripts/build-inputs.mjs",
  "scripts/build-web.mjs",
];

/** Where `npm run build` records the build (scripts/build.mjs). */
export const recordOf = (base = root) => join(base, "dist", "build-info.json");

export async function inputsSignature(base = root) {
  const files = [...FILES.map((file) => join(base, file))];
  for (const dir of DIRECTORIES) files.push(...(await listFiles(join(base, dir))));
  files.sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const info = await stat(file).catch((error) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    const shown = info === undefined ? "absent" : `${info.size} ${info.mtimeMs}`;
    hash.update(`${relative(base, file)}\0${shown}\n`);
  }
  return hash.digest("hex");
}

/**
 * Whether dist/ holds a complete build of the inputs as they are now: the CLI is there, and
 * the record of the last build has their signature.
 */
export async function upToDate(base = root) {
  if (!(await exists(join(base, "dist", "cli", "main.js")))) return false;
  let recorded;
  try {
    recorded = JSON.parse(await readFile(recordOf(base), "utf8")).inputs;
  } catch {
    return false; // no record (no build, or a failed one), or an unreadable one: build
  }
  return recorded === (await inputsSignature(base));
}

async function exists(file) {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function listFiles(dir) {
  if (!(await exists(dir))) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
