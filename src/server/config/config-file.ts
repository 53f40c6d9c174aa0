import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import { ConfigError } from "./config-error.js";
import { redactConfigText } from "./redact-text.js";

/** A configuration file as read: its value, and the document that knows each key's line. */
export interface ConfigFile {
  path: string;
  value: Record<string, unknown>;
  doc: Document;
  lines: LineCounter;
}

/** Variables that steer the loader itself rather than set a key. */
export const loaderVariables = {
  /** Path of the base file, instead of looking for postoffice.yaml in the working directory. */
  config: "POSTOFFICE_CONFIG",
  /** Name of the overlay: `production` reads postoffice.production.yaml over the base. */
  overlay: "POSTOFFICE_ENV",
} as const;

const baseNames = ["postoffice.yaml", "postoffice.yml", "postoffice.json"];
const extensions = [".yaml", ".yml", ".json"];

/**
 * The file named by `--config` (`flag`) or `POSTOFFICE_CONFIG`, which must exist; otherwise the
 * first of postoffice.yaml, .yml, .json in `cwd`, if any.
 */
export async function readBaseFile(
  cwd: string,
  env: NodeJS.ProcessEnv,
  flag: string | undefined,
): Promise<ConfigFile | undefined> {
  const named = nonEmpty(flag) ?? nonEmpty(env[loaderVariables.config]);
  if (named !== undefined) {
    const source = nonEmpty(flag) === undefined ? loaderVariables.config : "--config";
    const file = path.resolve(cwd, named);
    const text = await readIfExists(file);
    if (text === undefined) {
      throw new ConfigError(`Configuration file not found: ${file} (from ${source})`, { source });
    }
    return parseConfigFile(file, text, cwd);
  }
  return readFirstExisting(
    baseNames.map((name) => path.join(cwd, name)),
    cwd,
  );
}

/** postoffice.<name>.yaml (or .yml, .json) in `dir`, for `POSTOFFICE_ENV=<name>`; none if absent. */
export async function readOverlayFile(
  dir: string,
  name: string | undefined,
): Promise<ConfigFile | undefined> {
  if (name === undefined || name === "") return undefined;
  // The name becomes part of a file name: keep it from walking out of the directory.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new ConfigError(
      `Invalid ${loaderVariables.overlay} ${JSON.stringify(name)}: expected a name of letters, digits, "-" and "_", such as production`,
      { source: loaderVariables.overlay, expected: "letters, digits, - and _" },
    );
  }
  const candidates = extensions.map((ext) => path.join(dir, `postoffice.${name}${ext}`));
  return readFirstExisting(candidates, dir);
}

/** The line of the key at `keys` or, failing that, of its nearest parent in the file. */
export function lineOf(file: ConfigFile, keys: string[]): number | undefined {
  for (let n = keys.length; n >= 0; n--) {
    const node = file.doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) return file.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Relative to `cwd` when the file is under it, as an operator would type it; else absolute. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readFirstExisting(files: string[], cwd: string) {
  for (const file of files) {
    const text = await readIfExists(file);
    if (text !== undefined) return parseConfigFile(file, text, cwd);
  }
  return undefined;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`Cannot read configuration file ${file}: ${(error as Error).message}`, {
      source: file,
      cause: error,
    });
  }
}

/** YAML is a superset of JSON, so one parser serves .yaml, .yml and .json alike. */
function parseConfigFile(file: string, text: string, cwd: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [problem] = doc.errors;
  if (problem !== undefined) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw new ConfigError(
      `Cannot parse configuration file ${file}: ${problem.message} at line ${line}, column ${col}:\n\n${excerpt(text, line, col)}`,
      { source: `${displayPath(file, cwd)}:${line}`, cause: problem },
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { path: file, value: {}, doc, lines };
  if (!isPlainObject(value)) {
    throw new ConfigError(
      `Invalid configuration file ${file}: the top level must be a mapping of keys to values`,
      { source: displayPath(file, cwd), path: "" },
    );
  }
  return { path: file, value, doc, lines };
}

/**
 * The line a parse error points at (and the one before it), with a caret under the column,
 * as the YAML parser would show it, but cut from the text with its secrets masked: a file
 * that does not parse is still the operator's secrets, and this goes to a log.
 */
function excerpt(text: string, line: number, col: number): string {
  const shown = redactConfigText(text).split("\n");
  const at = (shown[line - 1] ?? "").replace(/\r$/, "");
  const before = line > 1 && at.slice(0, col - 1).trim() === "" ? `${shown[line - 2]}\n` : "";
  return `${before}${clip(at)}\n${" ".repeat(Math.min(col - 1, 80))}^\n`;
}

function clip(line: string): string {
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
