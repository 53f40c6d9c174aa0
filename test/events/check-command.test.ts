import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI } from "../support/child-server.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const example = fileURLToPath(new URL("../../examples/events/", import.meta.url));

/** Runs the built `postoffice check` in `cwd`; its exit code and what it printed. */
function check(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, "check", ...args],
      { cwd, env: { PATH: process.env.PATH ?? "" } },
      (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }),
    );
  });
}

/** Runs the built `postoffice start` in `cwd` (it stops before listening when the file is bad). */
function start(cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, "start", "--port", "0", "--host", "127.0.0.1"],
      { cwd, env: { PATH: process.env.PATH ?? "" }, timeout: 15_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code), stderr }),
    );
  });
}

describe("postoffice check", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-check-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes GoDispatch's config.yaml with exit 0", async () => {
    await cp(join(fixtures, "godispatch-config.yaml"), join(dir, "postoffice.yaml"));
    expect(await check(dir)).toEqual({
      code: 0,
      stdout: "postoffice.yaml: OK (3 events, 0 plug-ins)\n",
    });
  });

  it("passes the events example, its plug-in loaded", async () => {
    const result = await check(example, "--config", "postoffice.yaml");
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^postoffice.yaml: OK \(\d+ events, 1 plug-in\)\n$/),
    });
  });

  it("lists every problem of the events with its line and key, and exits 78", async () => {
    await writeFile(
      join(dir, "bad.yaml"),
      [
        "events:",
        "  chat:",
        "    modifiers:",
        "      - rate_limit: 10/x",
        "    actions:",
        "      - notify_room:",
        "          event: said",
        '          payload: { text: "{.payload.text" }',
        "      - shoutt: {}",
        '  "bad name": {}',
        "  private:",
        "    payload: { type: objekt }",
        "",
      ].join("\n"),
    );
    const { code, stdout } = await check(dir, "-c", "bad.yaml");
    expect(code).toBe(78);
    expect(stdout.split("\n")).toEqual([
      expect.stringMatching(
        /^bad.yaml:4: \/events\/chat\/modifiers\/0\/rate_limit\/rate: rate: "10\/x" is not of the form/,
      ),
      expect.stringMatching(
        /^bad.yaml:8: \/events\/chat\/actions\/0\/notify_room\/payload\/text: "\{.payload.text" opens a placeholder/,
      ),
      expect.stringMatching(
        /^bad.yaml:9: \/events\/chat\/actions\/1\/shoutt: unknown action "shoutt"/,
      ),
      expect.stringMatching(
        /^bad.yaml:10: \/events\/bad name: unreachable: clients cannot send an event named "bad name"/,
      ),
      expect.stringMatching(/^bad.yaml:12: \/events\/private\/payload: not a valid JSON Schema/),
      "bad.yaml: 5 problems",
      "",
    ]);
  });

  it("stops `postoffice start` with the same lines, on stderr, exit 78", async () => {
    await writeFile(
      join(dir, "postoffice.yaml"),
      ["events:", "  chat:", "    actions:", "      - shoutt: {}", ""].join("\n"),
    );
    const { code, stdout } = await check(dir);
    const started = await start(dir);
    expect(started.code).toBe(78);
    expect(started.stderr).toContain(stdout.split("\n")[0]);
    expect(started.stderr).toMatch(
      /^postoffice: postoffice.yaml:4: \/events\/chat\/actions\/0\/shoutt: unknown action "shoutt"/m,
    );
    expect(code).toBe(78);
  });

  it("reports a schema or permissions problem with its line, and exits 78", async () => {
    await writeFile(
      join(dir, "postoffice.yaml"),
      "permissions:\n  direct:\n    - { from: ['*'], to: ['group:x'] }\n",
    );
    const { code, stdout } = await check(dir);
    expect(code).toBe(78);
    expect(stdout).toMatch(
      /^Invalid configuration at \/permissions\/direct\/0\/to\/0: unknown target "group:x".*\(from postoffice.yaml:3\)\n$/,
    );
  });
});
