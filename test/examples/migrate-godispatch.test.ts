import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cookieClient, joinGlobal } from "../support/godispatch-client.js";
import { refusedUpgrade } from "../support/seed-client.js";
import { useMigrateExample } from "./migrate-example.js";

describe("examples/migrate/godispatch/postoffice.yaml", () => {
  const { clients, workDir, start } = useMigrateExample("godispatch");

  it("serves the seed's browser chat unchanged on /ws, with the secret of the seed's own .env, through a SIGWINCH", async () => {
    const dir = await workDir();
    const secret = "a-very-secret-key-from-env-file";
    await writeFile(join(dir, ".env"), `GODISPATCH_SERVER_AUTH_JWTSECRET="${secret}"\n`);
    // The tests' own JWT secret unset (empty): the seed's is the only one.
    const started = await start({ POSTOFFICE_JWT_SECRET: "" });
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
    started.server.child.kill("SIGWINCH");
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
