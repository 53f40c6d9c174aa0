import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../support/child-server.js";
import { signToken } from "../support/test-client.js";
import { JWT_SECRET } from "../support/test-server.js";
import { runCommand } from "./run-command.js";

describe("postoffice token", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-token-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the development secret it signed with, and warns when it had to create it", async () => {
    const first = await runCommand(["token", "--sub", "alice"], { cwd: dir });
    const secret = join(dir, "data", "jwt-secret");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(first.stderr).toMatch(
      /warning: there was no development secret in .*, so this made a new one/,
    );
    expect(first.stderr).toMatch(/refuses this token \(token_signature_invalid\)/);
    expect(first.stderr).toContain(`signed with the development secret in ${secret}`);
    // The secret itself is never printed.
    const key = await readFile(secret, "utf8");
    expect(first.stdout + first.stderr).not.toContain(key.trim());

    const second = await runCommand(["token", "--sub", "bob"], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/warning/);
    expect(second.stderr).toContain(`signed with the development secret in ${secret}`);
  });

  it("names a configured secret by where it was set, never by its value", async () => {
    const { code, stderr, stdout } = await runCommand(["token", "--sub", "alice"], {
      cwd: dir,
      env: { POSTOFFICE_JWT_SECRET: JWT_SECRET },
    });
    expect(code).toBe(0);
    expect(stderr).toBe("postoffice: signed with auth.jwt.secret (from POSTOFFICE_JWT_SECRET)\n");
    expect(stdout + stderr).not.toContain(JWT_SECRET);
  });
});

describe("postoffice token --check", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-check-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const env = { POSTOFFICE_JWT_SECRET: JWT_SECRET };

  it("accepts what the server would accept: user, roles and expiry, exit 0", async () => {
    const token = await signToken({ sub: "alice", roles: ["admin", "ops"] }, { expiresIn: "1h" });
    const { code, stdout } = await runCommand(["token", "--check", token], { cwd: dir, env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^accepted: user alice, roles: admin, ops\n/);
    expect(stdout).toMatch(/expires: \d{4}-\d\d-\d\dT[\d:.]+Z \(in (59|60) minutes\)/);
    expect(stdout).toMatch(/checked with: JWT with auth\.jwt\.secret/);
    expect(stdout).not.toContain(JWT_SECRET);
    expect(stdout).not.toContain(token);
  });

  it("refuses what the server would refuse, with its reason and close code, exit 1", async () => {
    const expired = await signToken(
      { sub: "alice" },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    const late = await runCommand(["token", "--check", expired], { cwd: dir, env });
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(/^refused: token_expired: /);
    expect(late.stdout).toContain("close with 4401");

    const forged = await signToken(
      { sub: "alice" },
      { secret: "another-secret-that-is-long-enough" },
    );
    const wrong = await runCommand(["token", "--check", forged], { cwd: dir, env });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^refused: token_signature_invalid: /);
  });

  it("reads the token from stdin with `-`, and checks with the configuration file's authenticators", async () => {
    await writeFile(
      join(dir, "postoffice.yaml"),
      "auth:\n  tokens:\n    - { token: long-static-token, user: billing, roles: [service] }\n",
    );
    const { code, stdout } = await runCommand(["token", "--check", "-"], {
      cwd: dir,
      input: "long-static-token\n",
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^accepted: user billing, roles: service\n/);
    expect(stdout).toMatch(/expires: never/);
    expect(stdout).toMatch(/checked with: static tokens \(1\)/);
  });

  it("says when the development secret does not exist yet, and does not create it", async () => {
    const token = await signToken({ sub: "alice" }, { expiresIn: "1h" });
    const { code, stdout } = await runCommand(["token", "--check", token], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^refused: token_signature_invalid: there is no development secret at /);
    await expect(stat(join(dir, "data"))).rejects.toThrow(/ENOENT/);
  });

  it("checks a token minted by `postoffice token` in the same directory", async () => {
    const minted = await runCommand(["token", "--sub", "carol", "--role", "a", "--ttl", "2d"], {
      cwd: dir,
    });
    const here = await runCommand(["token", "--check", minted.stdout.trim()], { cwd: dir });
    expect(here.code).toBe(0);
    expect(here.stdout).toMatch(/accepted: user carol, roles: a\nexpires: .* \(in 2 days\)/);
    expect(here.stdout).toContain(`the development secret in ${join(dir, "data", "jwt-secret")}`);
  });

  it("exits 69 when the server could not decide either (the auth webhook is down), with the cause", async () => {
    const port = await freePort();
    const { code, stdout } = await runCommand(["token", "--check", "some-token"], {
      cwd: dir,
      env: { POSTOFFICE_AUTH_WEBHOOK_URL: `http://127.0.0.1:${port}/auth?token=hook-secret` },
    });
    expect(code).toBe(69);
    expect(stdout).toMatch(/^refused: auth_unavailable: /);
    expect(stdout).toContain("close with 1013");
    expect(stdout).toMatch(/note: cause: /);
    expect(stdout).not.toContain("hook-secret");
  });

  it("exits 78 on a configuration the server would not start with", async () => {
    await writeFile(join(dir, "postoffice.yaml"), "server:\n  port: eighty\n");
    const { code, stderr } = await runCommand(["token", "--check", "x"], { cwd: dir });
    expect(code).toBe(78);
    expect(stderr).toMatch(/\/server\/port: expected integer/);
  });
});
