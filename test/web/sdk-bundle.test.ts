import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The client SDK runs in browsers: bundled for `platform: "browser"` (as scripts/build-web.mjs
 * bundles the web page), any import of a Node module fails the build.
 */
describe("the client SDK in a browser bundle", () => {
  const bundle = (options: Parameters<typeof build>[0]) =>
    build({
      absWorkingDir: root,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      ...options,
    });

  it("bundles for the browser from src/client and src/protocol alone, with no Node import", async () => {
    const result = await bundle({ entryPoints: ["src/client/index.ts"] });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.length).toBeGreaterThan(3);
    for (const input of inputs) expect(input).toMatch(/^src\/(client|protocol)\/[\w-]+\.ts$/);
    const code = result.outputFiles?.[0]?.text ?? "";
    expect(code).toContain("PostofficeClient");
    expect(code).not.toMatch(/\bnode:|\brequire\(/);
  });

  it("would fail if the SDK imported a Node module (the check has teeth)", async () => {
    await expect(
      bundle({
        stdin: {
          contents:
            'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\nexport * from "./src/client/index.js";',
          resolveDir: root,
          loader: "ts",
        },
      }),
    ).rejects.toThrow(/node:fs/);
  });

  it("bundles the web page itself, which imports the SDK, for the browser too", async () => {
    const result = await bundle({
      entryPoints: ["web/chat.ts", "web/dashboard.ts"],
      outdir: "unused",
    });
    expect(result.errors).toEqual([]);
    for (const input of Object.keys(result.metafile?.inputs ?? {})) {
      expect(input).toMatch(/^(web|src\/client|src\/protocol)\/[\w-]+\.ts$/);
    }
  });
});
