import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./run-command.js";

describe("command-line usage errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-usage-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string[], RegExp]> = [
    ["no command at all", [], /Usage: postoffice/],
    ["an unknown command", ["frob"], /unknown command 'frob'/],
    ["an unknown option", ["start", "--frob"], /unknown option '--frob'/],
    ["token without --sub", ["token"], /give --sub USER/],
    [
      "a --ttl without a unit",
      ["token", "--sub", "a", "--ttl", "5"],
      /--ttl is a number and a unit/,
    ],
    ["a --ttl that is not a duration", ["token", "--sub", "a", "--ttl", "forever"], /30s, 15m/],
    ["--check with --sub", ["token", "--check", "x", "--sub", "a"], /one or the other/],
    ["a --workers out of range", ["start", "--workers", "0"], /from 1 to 256/],
    ["connect without an identity", ["connect"], /--username/],
    ["connect with a --timeout of 0", ["connect", "--timeout", "0", "-n", "a"], /positive/],
    ["connect with a --url that is no URL", ["connect", "--url", "nope", "-n", "a"], /not a URL/],
    ["genconfig with an unknown preset", ["genconfig", "--preset", "nope"], /presets: none, chat/],
    ["bench with --secret and --anonymous", ["bench", "--secret", "s", "--anonymous"], /not both/],
  ];

  it.each(cases)("%s: one line on stderr, exit 64 (EX_USAGE)", async (_, args, said) => {
    const { code, stdout, stderr } = await runCommand(args, { cwd: dir });
    expect(code).toBe(64);
    expect(stderr).toMatch(said);
    expect(stdout).toBe("");
    // A usage error is a sentence, never a stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
    if (args.length > 0) expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--help and --version exit 0", async () => {
    expect((await runCommand(["--help"], { cwd: dir })).code).toBe(0);
    expect((await runCommand(["token", "--help"], { cwd: dir })).code).toBe(0);
    expect((await runCommand(["--version"], { cwd: dir })).code).toBe(0);
  });
});
