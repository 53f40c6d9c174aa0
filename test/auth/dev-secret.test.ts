import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateDevSecret } from "../../src/server/auth/dev-secret.js";

describe("loadOrCreateDevSecret", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-dev-secret-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("creates the secret once, readable by the owner only, and reuses it", async () => {
    const dataDir = join(dir, "nested", "data");
    const first = await loadOrCreateDevSecret(dataDir);
    expect(first).toMatchObject({ path: join(dataDir, "jwt-secret"), created: true });
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.path, "utf8")).toBe(first.secret);

    const second = await loadOrCreateDevSecret(dataDir);
    expect(second).toEqual({ ...first, created: false });
  });

  it("agrees on one secret when two starts race", async () => {
    const results = await Promise.all([loadOrCreateDevSecret(dir), loadOrCreateDevSecret(dir)]);
    expect(results[0].secret).toBe(results[1].secret);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await readdir(dir)).toEqual(["jwt-secret"]);
  });

  it("reads a hand-written secret without its trailing newline", async () => {
    await writeFile(join(dir, "jwt-secret"), "my-secret\n");
    await expect(loadOrCreateDevSecret(dir)).resolves.toMatchObject({
      secret: "my-secret",
      created: false,
    });
  });

  it("refuses an empty secret file", async () => {
    await writeFile(join(dir, "jwt-secret"), "\n");
    await expect(loadOrCreateDevSecret(dir)).rejects.toThrow(/empty/);
  });
});
