import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { JWT_SECRET } from "./test-server.js";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Array<Record<string, unknown>>;
  /** Calls `listener` with each JSON log line printed from now on; returns its removal. */
  onLog: (listener: (line: Record<string, unknown>) => void) => () => void;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built CLI (`postoffice ...`) as a child process with JSON logs. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ChildServer {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", POSTOFFICE_LOG_FORMAT: "json", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  const listeners = new Set<(line: Record<string, unknown>) => void>();
  let stdoutBuffer = "";
  let stderrText = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    const lines = stdoutBuffer.split("\n");
    stdoutBuffer = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      for (const listener of listeners) listener(entry);
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrText += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const onLog = (listener: (line: Record<string, unknown>) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { child, logs, onLog, stderr: () => stderrText, exited };
}

/**
 * `postoffice start` as a child process on a free port of 127.0.0.1, resolved once it logs that
 * it is ready (killed if it does not). `config`, if given, is written to `postoffice.yaml` in
 * `cwd` and passed with `--config`; `env` comes on top of `POSTOFFICE_JWT_SECRET` (the tests'
 * secret); `args` come after the others. The caller kills the child.
 */
export async function startCli(options: {
  cwd: string;
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  args?: string[];
}): Promise<{ server: ChildServer; url: string; port: number }> {
  const { cwd, config, env = {}, args = [] } = options;
  const configArgs: string[] = [];
  if (config) {
    const file = join(cwd, "postoffice.yaml");
    await writeFile(file, stringify(config));
    configArgs.push("--config", file);
  }
  const port = await freePort();
  const server = runCli(
    ["start", "--port", String(port), "--host", "127.0.0.1", ...configArgs, ...args],
    { cwd, env: { POSTOFFICE_JWT_SECRET: JWT_SECRET, ...env } },
  );
  try {
    await waitForLog(server, "postoffice is ready");
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  }
  return { server, url: `ws://127.0.0.1:${port}/ws`, port };
}

/**
 * Resolves with the `count`-th log line whose `msg` matches (counting those already printed),
 * as it is printed; rejects if the process exits first or after `timeoutMs`.
 */
export function waitForLog(
  server: ChildServer,
  msg: string,
  timeoutMs = 15_000,
  count = 1,
): Promise<Record<string, unknown>> {
  const matching = server.logs.filter((entry) => entry.msg === msg);
  const already = matching[count - 1];
  if (already) return Promise.resolve(already);
  let seen = matching.length;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      stopListening();
      server.child.off("exit", onExit);
    };
    const stopListening = server.onLog((entry) => {
      if (entry.msg !== msg || ++seen < count) return;
      done();
      resolve(entry);
    });
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`exited ${code} before "${msg}": ${server.stderr()}`));
    };
    server.child.once("exit", onExit);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no "${msg}" log line (#${count}); logs: ${JSON.stringify(server.logs)}`));
    }, timeoutMs);
    if (server.child.exitCode !== null) onExit(server.child.exitCode);
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
