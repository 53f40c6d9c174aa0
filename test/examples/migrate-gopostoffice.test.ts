import { describe, expect, it } from "vitest";
import { waitForLog } from "../support/child-server.js";
import { refusedUpgrade, SeedClient } from "../support/seed-client.js";
import { useMigrateExample } from "./migrate-example.js";

describe("examples/migrate/gopostoffice/postoffice.yaml", () => {
  const { clients, workDir, start } = useMigrateExample("gopostoffice");

  it("serves the seed's example clients unchanged on / with their tokens, mail byte for byte", async () => {
    const _dir = await workDir();
    const started = await start();
    await waitForLog(
      started.server,
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
