import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root: the examples are run from there, as their READMEs say. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Finished {
  /** Exit code; null when the process was killed (it overran its time limit). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an example to its end and collects its output. A run that overruns `timeoutMs` is
 * killed and resolves with `code: null`, so that the assertion shows what it printed.
 */
export function runExample(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What a run printed, for assertion messages. */
export function output(run: Finished): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** The Node example imports the built SDK ("postoffice/client" resolves to dist/client/). */
export function requireBuiltClient(): void {
  if (!existsSync(new URL("../../dist/client/index.js", import.meta.url))) {
    throw new Error("dist/client/index.js is missing: run `npm run build` before these tests.");
  }
}
