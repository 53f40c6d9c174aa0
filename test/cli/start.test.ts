import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChildServer, CLI, freePort, runCli, waitForLog } from "../support/child-server.js";
import { connectAs, signToken, TestClient } from "../support/test-client.js";
import { JWT_SECRET } from "../support/test-server.js";

const exec = promisify(execFile);

describe("postoffice start", () => {
  let dir: string;
  let running: ChildServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-cli-"));
  });
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("starts on PORT with zero configuration, and drains on SIGTERM: clients get 1001, the process exits 0", async () => {
    const port = await freePort();
    running = runCli(["start", "--host", "127.0.0.1"], {
      cwd: dir,
      env: { PORT: String(port), POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    const ready = await waitForLog(running, "postoffice is ready");
    expect(ready.url).toBe(`ws://127.0.0.1:${port}/ws`);
    const client = await connectAs(`ws://127.0.0.1:${port}/ws`, await signToken({ sub: "alice" }));

    running.child.kill("SIGTERM");
    const closed = await client.closed;
    expect(closed.code).toBe(1001);
    expect(JSON.parse(closed.reason)).toMatchObject({ code: "server_shutdown" });
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });

  it("takes --port over PORT and POSTOFFICE_PORT", async () => {
    const port = await freePort();
    running = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env: { PORT: "1", POSTOFFICE_PORT: "2", POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    expect((await waitForLog(running, "postoffice is ready")).url).toBe(
      `ws://127.0.0.1:${port}/ws`,
    );
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });

  it("with no authentication configured, creates a development secret that `postoffice token` signs with", async () => {
    const port = await freePort();
    running = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], { cwd: dir });
    await waitForLog(running, "postoffice is ready");
    const secretFile = await stat(join(dir, "data", "jwt-secret"));
    expect(secretFile.mode & 0o777).toBe(0o600);
    const { stdout } = await exec(
      process.execPath,
      [CLI, "token", "--sub", "alice", "--role", "admin", "--ttl", "5m"],
      {
        cwd: dir,
      },
    );
    const client = new TestClient(`ws://127.0.0.1:${port}/ws?token=${stdout.trim()}`);
    expect((await client.nextOfType("welcome")).data).toMatchObject({
      user: "alice",
      roles: ["admin"],
    });
    client.ws.terminate();
  });

  it("`postoffice token` refuses to mint a token the server would refuse", async () => {
    await writeFile(
      join(dir, "postoffice.yaml"),
      "auth:\n  tokens:\n    - { token: long-static-token, user: alice }\n",
    );
    const failure = await exec(process.execPath, [CLI, "token", "--sub", "alice"], {
      cwd: dir,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(78);
    expect(failure?.stderr).toMatch(/accepts no HS256 JWT/);
  });

  it("refuses to start on an invalid configuration, naming the key and what was expected (exit 78)", async () => {
    await writeFile(join(dir, "postoffice.yaml"), "server:\n  port: eighty\n");
    running = runCli(["start"], { cwd: dir });
    expect((await running.exited).code).toBe(78);
    expect(running.stderr()).toMatch(/\/server\/port: expected integer/);
  });

  it("refuses to start anonymous mode on a public address unless allowed", async () => {
    running = runCli(["start", "--host", "0.0.0.0"], {
      cwd: dir,
      env: { POSTOFFICE_ANONYMOUS: "true" },
    });
    expect((await running.exited).code).toBe(78);
    expect(running.stderr()).toMatch(/anonymous/i);
  });

  it("says in one line that the port is taken, and exits 69 (EX_UNAVAILABLE)", async () => {
    const port = await freePort();
    const first = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    running = first;
    await waitForLog(first, "postoffice is ready");
    const second = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    expect((await second.exited).code).toBe(69);
    expect(second.stderr()).toBe(
      `postoffice: cannot listen on 127.0.0.1:${port}: the port is in use (another Postoffice?); pick another with --port or PORT\n`,
    );
    expect(second.logs.filter((entry) => Number(entry.level) >= 50)).toEqual([]);
  });

  it("names every URL a person opens in the ready line: WebSocket, chat page, dashboard, /metrics", async () => {
    const port = await freePort();
    running = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    const ready = await waitForLog(running, "postoffice is ready");
    expect(ready).toMatchObject({
      url: `ws://127.0.0.1:${port}/ws`,
      chatUrl: `http://127.0.0.1:${port}/`,
      dashboardUrl: `http://127.0.0.1:${port}/dashboard`,
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
    });
    expect(running.logs.filter((entry) => entry.msg === "postoffice is ready")).toHaveLength(1);
    for (const url of [ready.chatUrl, ready.dashboardUrl, ready.metricsUrl]) {
      expect((await fetch(String(url))).status).toBe(200);
    }
  });

  it("leaves /metrics out of the ready line when metrics are off", async () => {
    const port = await freePort();
    running = runCli(["start", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET, POSTOFFICE_METRICS_ENABLED: "false" },
    });
    const ready = await waitForLog(running, "postoffice is ready");
    expect(ready.dashboardUrl).toBe(`http://127.0.0.1:${port}/dashboard`);
    expect(ready).not.toHaveProperty("metricsUrl");
  });
});
