import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli, waitForLog } from "../support/child-server.js";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { ROOT } from "./run-example.js";

describe("examples/migrate/gopostoffice/postoffice.yaml", () => {
  let server: ChildServer | undefined;
  let dir: string | undefined;
  const clients: SeedClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    server?.child.kill("SIGKILL");
    await server?.exited;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("serves the seed's example clients unchanged on / with their tokens, mail byte for byte", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-migrate-"));
    const started = await startCli({
      cwd: dir,
      env: { POSTOFFICE_DATA_DIR: join(dir, "data") },
      args: ["--config", join(ROOT, "examples/migrate/gopostoffice/postoffice.yaml")],
    });
    server = started.server;
    await waitForLog(
      server,
      "gopostoffice.trustClientId: a client is whoever its clientID says, with no token, as GO-POSTOFFICE did; fine on a closed network only",
    );
    const root = `ws://127.0.0.1:${started.port}/`;
    expect((await refusedUpgrade(root)).body).toBe("Client ID is required\n");
    // examples/js-client.js and python-client.py, their ids and tokens as they are.
    const js = new SeedClient(`${root}?token=your_token_here&clientID=js-client`);
    const python = new SeedClient(`${root}?clientID=python-client`, {
      headers: { Authorization: "Bearer your_token_here" },
    });
    clients.push(js, python);
    await Promise.all([js.opened, python.opened]);
    const text = JSON.stringify({
      from: "js-client",
      to: "python-client",
      subject: "Hello",
      content: "How are you?",
      type: "msg",
    });
    js.send(text);
    expect(await python.next()).toBe(text);
  });
});
