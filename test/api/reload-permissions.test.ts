import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type ChildServer, startCli, waitForLog } from "../support/child-server.js";
import { api } from "./api-client.js";

const PUBLISHER = "publisher-key-0123456789abcdef";

/** The file an operator edits between two SIGHUPs: the same key, other permissions. */
function configText(direct: unknown[]): string {
  return stringify({
    api: { keys: [{ key: PUBLISHER, name: "billing", scopes: ["publish"] }] },
    permissions: { direct },
  });
}

describe("the server API's publishes after a SIGHUP reload", () => {
  let dir: string;
  let running: ChildServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-api-reload-"));
  });
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("are judged by the permissions the reload took, each way", async () => {
    const file = join(dir, "postoffice.yaml");
    await writeFile(file, configText([]));
    const started = await startCli({ cwd: dir, args: ["--config", file] });
    running = started.server;
    const httpUrl = `http://127.0.0.1:${started.port}`;
    let n = 0;
    const publish = async () =>
      api(httpUrl, "POST", "/api/v1/publish", {
        key: PUBLISHER,
        body: { to: "bob", data: { n: ++n } },
      });

    // `direct: []` forbids all direct mail, a service's too.
    const refused = await publish();
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: "forbidden", pointer: "/to" } });

    await writeFile(file, configText([{ from: ["*"], to: ["user:b*"] }]));
    running.child.kill("SIGHUP");
    await waitForLog(running, "rules reloaded");
    expect((await publish()).status).toBe(202);

    await writeFile(file, configText([{ from: ["*"], to: ["user:a*"] }]));
    running.child.kill("SIGHUP");
    await waitForLog(running, "rules reloaded", 15_000, 2);
    expect((await publish()).status).toBe(403);
  });
});
