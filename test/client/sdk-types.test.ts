import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
const project = fileURLToPath(new URL("fixtures/tsconfig.sdk-types.json", import.meta.url));

describe("the SDK's types", () => {
  it("accept ws's WebSocket class and the browser's WebSocket as they are, under strict", async () => {
    // Rejects with tsc's diagnostics on stdout when the fixture does not compile.
    const { stdout } = await promisify(execFile)(process.execPath, [tsc, "-p", project]);
    expect(stdout).toBe("");
  }, 60_000);
});
