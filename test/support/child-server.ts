import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Array<Record<string, unknown>>;
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
  let stdoutBuffer = "";
  let stderrText = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    const lines = stdoutBuffer.split("\n");
    stdoutBuffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("{")) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrText += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return { child, logs, stderr: () => stderrText, exited };
}

/** Waits for a log line whose `msg` matches. */
export async function waitForLog(
  server: ChildServer,
  msg: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = server.logs.find((entry) => entry.msg === msg);
    if (line) return line;
    if (server.child.exitCode !== null)
      throw new Error(`exited ${server.child.exitCode}: ${server.stderr()}`);
    if (Date.now() > deadline)
      throw new Error(`no "${msg}" log line; logs: ${JSON.stringify(server.logs)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
