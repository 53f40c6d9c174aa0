import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const INPUTS = fileURLToPath(new URL("../../scripts/build-inputs.mjs", import.meta.url));

/** scripts/build-inputs.mjs run on a package laid out in `dir`, as `npm start`'s prestart runs it. */
async function inspect(dir: string): Promise<{ signature: string; upToDate: boolean }> {
  const script = `const m = await import(process.argv[1]);
    const signature = await m.inputsSignature(process.argv[2]);
    console.log(JSON.stringify({ signature, upToDate: await m.upToDate(process.argv[2]) }));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "-e", script, INPUTS, dir],
    { timeout: 10_000 },
  );
  return JSON.parse(stdout) as { signature: string; upToDate: boolean };
}

describe("npm start builds only when the sources changed (scripts/build-inputs.mjs)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-build-"));
    await mkdir(join(dir, "src", "cli"), { recursive: true });
    await mkdir(join(dir, "web"));
    await mkdir(join(dir, "dist", "cli"), { recursive: true });
    await writeFile(join(dir, "package.json"), "{}\n");
    await writeFile(join(dir, "src", "cli", "main.ts"), "export {};\n");
    await writeFile(join(dir, "web", "style.css"), "body {}\n");
    await writeFile(join(dir, "dist", "cli", "main.js"), "export {};\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** As scripts/build.mjs records a build of the inputs as they are now. */
  const recordBuild = async () => {
    const { signature } = await inspect(dir);
    await writeFile(join(dir, "dist", "build-info.json"), JSON.stringify({ inputs: signature }));
  };

  it("is up to date after a build, until a source is edited, added or deleted", async () => {
    expect((await inspect(dir)).upToDate).toBe(false);
    await recordBuild();
    expect((await inspect(dir)).upToDate).toBe(true);

    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, "src", "cli", "main.ts"), later, later);
    expect((await inspect(dir)).upToDate).toBe(false);
    await recordBuild();
    await writeFile(join(dir, "web", "page.ts"), "export {};\n");
    expect((await inspect(dir)).upToDate).toBe(false);
    await recordBuild();
    await rm(join(dir, "web", "style.css"));
    expect((await inspect(dir)).upToDate).toBe(false);
    await recordBuild();
    await writeFile(join(dir, "package.json"), '{"version":"2"}\n');
    expect((await inspect(dir)).upToDate).toBe(false);
  });

  it("is not up to date without a complete build: no record, or no dist/cli/main.js", async () => {
    await recordBuild();
    await rm(join(dir, "dist", "cli", "main.js"));
    expect((await inspect(dir)).upToDate).toBe(false);
  });

  it("gives the same signature for the same files", async () => {
    expect((await inspect(dir)).signature).toBe((await inspect(dir)).signature);
  });
});
