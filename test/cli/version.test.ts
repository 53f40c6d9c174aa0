import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCommand } from "./run-command.js";

const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const built = JSON.parse(
  await readFile(new URL("../../dist/build-info.json", import.meta.url), "utf8"),
) as { commit: string | null };

describe("postoffice version", () => {
  it("prints the version, the build's commit and Node.js's version; --version says the same", async () => {
    const command = await runCommand(["version"], { cwd: process.cwd() });
    expect(command.code).toBe(0);
    expect(command.stdout).toContain(`postoffice ${pkg.version}`);
    expect(command.stdout).toContain(`Node.js ${process.version}`);
    if (built.commit !== null) expect(command.stdout).toContain(`commit ${built.commit}`);
    const flag = await runCommand(["--version"], { cwd: process.cwd() });
    expect(flag.stdout).toBe(command.stdout);
  });

  it("--json gives the same as fields", async () => {
    const { code, stdout } = await runCommand(["version", "--json"], { cwd: process.cwd() });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      version: pkg.version,
      commit: built.commit,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
    });
  });
});
