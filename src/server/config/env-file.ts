import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "dotenv";
import { ConfigError } from "./config-error.js";

/** The file a seed server reads its settings from, in the working directory. */
export const ENV_FILE = ".env";

/**
 * The variables of `.env` in `cwd`, for the keys annotated `envFile` (keywords.ts); none when
 * there is no such file. Parsed with dotenv, the format the seeds' `.env` files are written in
 * (`KEY=value`, quotes, `export`, comments). Its values are never echoed: the keys that read it
 * hold secrets, and the environment is never changed by it.
 */
export async function readEnvFile(cwd: string): Promise<Record<string, string>> {
  const file = path.join(cwd, ENV_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return {};
    throw new ConfigError(`Cannot read ${file}: ${code ?? (error as Error).message}`, {
      source: file,
      cause: error,
    });
  }
  return parse(text);
}
