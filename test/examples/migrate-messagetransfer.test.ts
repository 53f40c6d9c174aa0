import { describe, expect, it } from "vitest";
import { waitForLog } from "../support/child-server.js";
import { httpGet, refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { useMigrateExample } from "./migrate-example.js";

describe("examples/migrate/messagetransfer/postoffice.yaml", () => {
  const { clients, workDir, start } = useMigrateExample("messagetransfer");

  it("serves the seed's clients unchanged on /ws with the README's token, and /health", async () => {
    const _dir = await workDir();
    const started = await start();
    await waitForLog(
      started.server,
      'a static token for "*" is configured: whoever knows it may connect as any id they claim. Fine for a migration or a closed network; give each client its own token or a JWT otherwise',
    );
    expect((await refusedUpgrade(started.url)).body).toBe("client_id is required\n");
    const signIn = async (id: string): Promise<SeedClient> => {
      const client = new SeedClient(`${started.url}?client_id=${id}`);
      clients.push(client);
      await client.opened;
      client.send({ type: "auth", data: { token: "valid-token" } });
      expect(await client.next()).toBe('{"data":"success","type":"auth"}\n');
      return client;
    };
    const user1 = await signIn("user1");
    user1.send({ type: "message", data: { to: "user2", text: "Hello / Привет" } });
    const user2 = await signIn("user2");
    expect(await user2.next()).toBe(
      '{"data":{"from":"user1","text":"Hello / Привет"},"type":"message"}\n',
    );
    const health = await httpGet(`http://127.0.0.1:${started.port}/health`);
    expect(health.status).toBe(200);
  });
});
