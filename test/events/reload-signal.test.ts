import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type ChildServer, startCli, waitForLog } from "../support/child-server.js";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";

/** A file with these events and permissions, as an operator edits it between two SIGHUPs. */
function configText(events: Record<string, unknown>, permissions: Record<string, unknown> = {}) {
  return stringify({ events, permissions });
}

const v1 = {
  ping: { target: "none", actions: [{ reply: { payload: "v1" } }] },
  announce: { target: "none", actions: [{ broadcast: { event: "announced" } }] },
};
const v2 = {
  ping: { target: "none", actions: [{ reply: { payload: "v2" } }] },
  announce: { target: "none", actions: [{ broadcast: { event: "announced" } }] },
  pong: { target: "none", actions: [{ reply: { payload: "new" } }] },
};

describe("reloading the rules on SIGHUP", () => {
  let dir: string;
  let running: ChildServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-reload-"));
  });
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  let ids = 0;
  const emit = async (client: TestClient, event: string): Promise<Frame> => {
    const id = `e${++ids}`;
    client.send({ type: "event", id, data: { event } });
    return client.next((f) => f.ref === id);
  };

  it("takes a good file's events and permissions without dropping a connection, and keeps them when the next file is bad", async () => {
    const file = join(dir, "postoffice.yaml");
    await writeFile(file, configText(v1, { broadcast: ["admin"] }));
    const started = await startCli({ cwd: dir, args: ["--config", file] });
    running = started.server;
    const alice = await connectAs(started.url, await signToken({ sub: "alice" }));
    expect((await emit(alice, "ping")).data?.reply).toEqual({ event: "ping", payload: "v1" });
    expect((await emit(alice, "announce")).data?.code).toBe("forbidden");

    await writeFile(
      file,
      `${configText(v2, { broadcast: ["*"] })}server:\n  heartbeat:\n    intervalMs: 5000\n`,
    );
    running.child.kill("SIGHUP");
    const reloaded = await waitForLog(running, "rules reloaded");
    expect(reloaded.events).toBe(3);
    expect(
      await waitForLog(
        running,
        "a reload takes events, plugins and permissions only: the other keys that changed need a restart",
      ),
    ).toMatchObject({ keys: ["server"] });
    expect((await emit(alice, "ping")).data?.reply).toEqual({ event: "ping", payload: "v2" });
    expect((await emit(alice, "pong")).type).toBe("receipt");
    expect((await emit(alice, "announce")).type).toBe("receipt");

    await writeFile(
      file,
      [
        "events:",
        "  ping:",
        "    actions:",
        "      - shoutt: {}",
        "permissions:",
        "  broadcast: []",
        "",
      ].join("\n"),
    );
    running.child.kill("SIGHUP");
    const refused = await waitForLog(running, "reload refused: the rules in force stay");
    expect(refused.problems).toEqual([
      expect.stringMatching(
        /^postoffice\.yaml:4: \/events\/ping\/actions\/0\/shoutt: unknown action "shoutt"/,
      ),
    ]);
    // The old rules stay, the permissions with them, and the connection was never dropped.
    expect((await emit(alice, "pong")).type).toBe("receipt");
    expect((await emit(alice, "announce")).type).toBe("receipt");
    expect(alice.ws.readyState).toBe(alice.ws.OPEN);
  });
});
