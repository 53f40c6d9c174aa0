import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import { cookieClient, joinGlobal } from "../support/godispatch-client.js";
import { refusedUpgrade, type SeedClient } from "../support/seed-client.js";
import { ROOT } from "./run-example.js";

describe("examples/migrate/godispatch/postoffice.yaml", () => {
  let server: ChildServer | undefined;
  let dir: string | undefined;
  const clients: SeedClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    server?.child.kill("SIGKILL");
    await server?.exited;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("serves the seed's browser chat unchanged on /ws, with the secret of the seed's own .env, through a SIGWINCH", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-migrate-"));
    const secret = "a-very-secret-key-from-env-file";
    await writeFile(join(dir, ".env"), `GODISPATCH_SERVER_AUTH_JWTSECRET="${secret}"\n`);
    const started = await startCli({
      cwd: dir,
      // The tests' own JWT secret unset (empty): the seed's is the only one.
      env: { POSTOFFICE_DATA_DIR: join(dir, "data"), POSTOFFICE_JWT_SECRET: "" },
      args: ["--config", join(ROOT, "examples/migrate/godispatch/postoffice.yaml")],
    });
    server = started.server;
    expect(await refusedUpgrade(started.url)).toMatchObject({
      status: 401,
      body: "Missing token\n",
    });
    const alice = await cookieClient(started.url, "alice", secret);
    const bob = await cookieClient(started.url, "bob", secret);
    clients.push(alice, bob);
    await joinGlobal(alice, "Alice");
    expect(await alice.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"alice","name":"Alice"}}}',
    );
    await joinGlobal(bob, "Bob");
    await bob.next(); // its own user_joined
    expect(await alice.next()).toBe(
      '{"event":"user_joined","payload":{"user":{"id":"bob","name":"Bob"}}}',
    );
    // The seed stopped on any signal, a resized terminal's SIGWINCH included.
    server.child.kill("SIGWINCH");
    const message = '<script>alert("hi")</script>';
    alice.send({ event: "send_message", target: "room:global", payload: { message } });
    for (const client of [alice, bob]) {
      expect(JSON.parse(await client.next())).toEqual({
        event: "new_message",
        payload: { user: "alice", message },
      });
    }
  });
});
