import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./child-server.js";
import { programPath } from "./system-programs.js";

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash); its data stays in `dir`. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory (AOF replayed). */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing, as a stalled Redis. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A real redis-server (Debian's package) on 127.0.0.1 and a free port, with AOF on and
 * fsync always, in a temp directory: each test suite gets its own and stops it afterwards.
 * For suites declared with `describeWith("redis-server", ...)`.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), "postoffice-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const server = spawn(
      programPath("redis-server"),
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--protected-mode",
        "yes",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = server;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      };
      server.stdout?.on("data", onData);
      server.once("error", (error) =>
        reject(
          new Error(`cannot start redis-server (install Debian's redis-server): ${error.message}`),
        ),
      );
      server.once("exit", (code) => reject(new Error(`redis-server exited ${code}: ${output}`)));
    });
  };

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: launch,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async destroy() {
      await stop("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
