import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import type { SeedClient } from "../support/seed-client.js";
import { ROOT } from "./run-example.js";

/**
 * `postoffice start --config examples/migrate/<name>/postoffice.yaml`, run as a user runs it:
 * a real process in a fresh working directory (where a seed's `.env` goes), its data in that
 * directory. Call it in a describe block: after each test the clients pushed on `clients` are
 * closed, the process killed and the directory removed.
 */
export function useMigrateExample(name: string) {
  let server: ChildServer | undefined;
  let dir: string | undefined;
  const clients: SeedClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    server?.child.kill("SIGKILL");
    await server?.exited;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    server = undefined;
    dir = undefined;
  });

  /** The working directory of this test's process, made on first use. */
  async function workDir(): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), "postoffice-migrate-"));
    return dir;
  }

  /** Starts the example's node; `env` adds to (or unsets) the variables it runs with. */
  async function start(env: Record<string, string> = {}) {
    const cwd = await workDir();
    const started = await startCli({
      cwd,
      // The data beside the test, not in the repository's examples.
      env: { POSTOFFICE_DATA_DIR: join(cwd, "data"), ...env },
      args: ["--config", join(ROOT, `examples/migrate/${name}/postoffice.yaml`)],
    });
    server = started.server;
    return started;
  }

  return { clients, workDir, start };
}
