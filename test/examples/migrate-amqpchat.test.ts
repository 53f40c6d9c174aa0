import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitForLog } from "../support/child-server.js";
import { httpGet, refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { useMigrateExample } from "./migrate-example.js";
import { ROOT } from "./run-example.js";

const EXAMPLE = join(ROOT, "examples/migrate/amqpchat");

describe("examples/migrate/amqpchat/postoffice.yaml", () => {
  const { clients, workDir, start } = useMigrateExample("amqpchat");

  it("serves the seed's clients unchanged on /ws with AUTHHEADER from the seed's .env", async () => {
    const dir = await workDir();
    // The seed's .env in the working directory, as its README has it.
    await copyFile(join(EXAMPLE, ".env.sample"), join(dir, ".env"));
    const header = /^AUTHHEADER=(.*)$/m.exec(await readFile(join(dir, ".env"), "utf8"))?.[1];
    expect(header).toBeDefined();
    const started = await start();
    await waitForLog(
      started.server,
      "amqpchat: the Authorization header AUTHHEADER is configured: whoever sends it may connect as any ?id=, as with the seed. Fine for a migration or a closed network; unset it and give each client a JWT whose sub is its id otherwise",
    );
    const url = (id: string) => `${started.url}?id=${id}`;
    expect(await refusedUpgrade(url("1113"))).toMatchObject({
      status: 403,
      body: "Forbidden: Invalid Authorization header\n",
    });
    const connect = async (id: string): Promise<SeedClient> => {
      const client = new SeedClient(url(id), { headers: { Authorization: header ?? "" } });
      clients.push(client);
      await client.opened;
      expect(await client.next()).toBe("Connected");
      return client;
    };
    const tenant = await connect("18trwSQ00");
    tenant.send({
      target_id: "48trwSQ00",
      message: "yo, admin chat me up",
      sender_id: "18trwSQ00",
    });
    expect(await tenant.next()).toBe("Delivered.✔️");
    const admin = await connect("48trwSQ00");
    expect(await admin.next()).toBe("yo, admin chat me up");
    admin.send({ target_id: "18trwSQ00", message: "on my way", sender_id: "48trwSQ00" });
    expect(await tenant.next()).toBe("on my way");
    expect(await admin.next()).toBe("Delivered.✔️✔️");
    const health = await httpGet(`http://127.0.0.1:${started.port}/health`);
    expect(health.status).toBe(200);
  });
});
