import { spawn } from "node:child_process";
import { CLI } from "../support/child-server.js";

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `postoffice ARGS` to its end in `cwd`, with only PATH and `env` in its environment,
 * `input` (if any) on its stdin. Bounded: a command still running after `timeoutMs` is killed
 * and fails the test with what it printed.
 */
export function runCommand(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`postoffice ${args.join(" ")}: still running\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
