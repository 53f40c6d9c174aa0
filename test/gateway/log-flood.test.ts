import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import { connectAs, signToken, TestClient } from "../support/test-client.js";

/** How many log lines say `msg`. */
function count(server: ChildServer, msg: string): number {
  return server.logs.filter((line) => line.msg === msg).length;
}

describe("log lines that clients can cause [LIMIT-4]", () => {
  let server: ChildServer | undefined;
  let dir: string | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    server?.child.kill("SIGKILL");
    await server?.exited;
    server = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("writes one line per kind, however many clients set it off, down to debug", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-log-flood-"));
    const fault = join(dir, "disk-fault");
    const started = await startCli({
      cwd: dir,
      config: {
        log: { level: "debug" },
        metrics: { processMetrics: false },
        limits: {
          // Every client of this test comes from 127.0.0.1.
          unauthenticated: { maxConnectionsPerIp: 0 },
          rate: { connection: { perSecond: 0 }, user: { perSecond: 0 }, message: { perSecond: 0 } },
        },
      },
      env: { POSTOFFICE_TEST_DISK_FAULT: fault },
    });
    server = started.server;
    const { url } = started;
    const track = (client: TestClient): TestClient => {
      clients.push(client);
      return client;
    };

    // 100 handshakes with a bad token: each is refused, told why, and closed.
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const client = track(new TestClient(`${url}?token=bad-${i}`));
        await client.closed;
      }),
    );
    // 50 clients whose text frame is not UTF-8: ws closes each with 1007.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const client = track(new TestClient(url));
        await client.opened;
        client.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
        await client.closed;
      }),
    );
    // 50 clients that send more than an unauthenticated client may.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const client = track(new TestClient(url));
        await client.opened;
        client.send({ type: "ping", pad: "x".repeat(20_000) });
        await client.closed;
      }),
    );
    // The disk fails: 300 sends and 300 acks, each refused with store_unavailable.
    const alice = track(await connectAs(url, await signToken({ sub: "alice" })));
    await writeFile(fault, "full");
    for (let i = 1; i <= 300; i++) {
      alice.send({ type: "message", id: `m${i}`, data: { to: "bob", text: "hi" } });
      alice.send({ type: "ack", id: `a${i}`, data: { seq: i } });
    }
    await alice.next((frame) => frame.ref === "a300", 20_000);
    const refused = alice.frames.filter((frame) => frame.data?.code === "store_unavailable");
    expect(refused).toHaveLength(600);

    // Ten-second intervals: a flood shorter than two of them writes one or two lines a kind.
    for (const msg of [
      "authentication refused",
      "websocket error",
      "unauthenticated connection over its budget",
      "message store refused mail",
      "message store refused an acknowledgement",
    ]) {
      expect(count(server, msg), msg).toBeGreaterThanOrEqual(1);
      expect(count(server, msg), msg).toBeLessThanOrEqual(2);
    }
  }, 60_000);
});
