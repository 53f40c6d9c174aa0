import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, freePort } from "../support/child-server.js";
import { connectAs, signToken } from "../support/test-client.js";
import { JWT_SECRET } from "../support/test-server.js";

/** Resolves once `pattern` has been printed on the child's stdout. */
function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${text}`)), 15_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null | "running"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("running"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("postoffice start with a closed log pipe", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  const start = async (format: string, port: number): Promise<ChildProcess> => {
    const started = spawn(
      process.execPath,
      [CLI, "start", "--port", String(port), "--host", "127.0.0.1"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          POSTOFFICE_JWT_SECRET: JWT_SECRET,
          POSTOFFICE_LOG_FORMAT: format,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child = started;
    await printed(started, /postoffice is ready/);
    return started;
  };

  it.each(["json", "pretty"])(
    "drains and exits 0 on SIGTERM after the reader of its %s logs went away (start 2>&1 | head -3)",
    async (format) => {
      const server = await start(format, await freePort());
      // As `head` does once it has its lines: nobody reads stdout or stderr any more.
      server.stdout?.destroy();
      server.stderr?.destroy();
      server.kill("SIGTERM");
      expect(await exited(server, 10_000)).toBe(0);
    },
  );

  it("still closes its sessions with 1001 on the way out", async () => {
    const port = await freePort();
    const server = await start("json", port);
    const client = await connectAs(`ws://127.0.0.1:${port}/ws`, await signToken({ sub: "alice" }));
    server.stdout?.destroy();
    server.stderr?.destroy();
    server.kill("SIGTERM");
    expect((await client.closed).code).toBe(1001);
    expect(await exited(server, 10_000)).toBe(0);
  });
});
