import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

/**
 * A SQLite node whose disk misbehaves, through the store's test-only fault hook
 * (src/server/mailbox/test-disk-fault.ts): what the sender is told, what /ready says, and what
 * a retry with the same id does afterwards.
 */
describe("a SQLite node whose disk fails", () => {
  const ts = useTestServer();
  let faultFile = "";
  beforeEach(() => {
    faultFile = join(process.env.TMPDIR ?? "/tmp", `postoffice-fault-${process.pid}-${Date.now()}`);
    process.env.POSTOFFICE_TEST_DISK_FAULT = faultFile;
  });
  afterEach(async () => {
    delete process.env.POSTOFFICE_TEST_DISK_FAULT;
    await rm(faultFile, { force: true });
  });
  const connect = async (user: string): Promise<TestClient> =>
    ts.track(await connectAs(ts.server.url, await signToken({ sub: user })));
  const ready = async (): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${ts.server.httpUrl}/ready`);
    return { status: response.status, body: await response.json() };
  };
  const send = (client: TestClient, id: string, n: number) =>
    client.send({ type: "message", id, data: { to: "bob", n } });
  const answer = (client: TestClient, id: string) =>
    client.next((f) => f.ref === id && (f.type === "receipt" || f.type === "error"));

  it("is not ready while writes fail, refuses mail with store_unavailable, and comes back by itself once the disk writes again", async () => {
    await ts.start();
    const alice = await connect("alice");
    send(alice, "m1", 1);
    expect((await answer(alice, "m1")).type).toBe("receipt");
    expect((await ready()).status).toBe(200);

    await writeFile(faultFile, "full");
    send(alice, "m2", 2);
    expect((await answer(alice, "m2")).data).toMatchObject({ code: "store_unavailable" });
    expect(await ready()).toEqual({
      status: 503,
      body: { ready: false, state: "unavailable" },
    });
    // Not ready for a load balancer, but a client that comes still gets in and reads its mail.
    const early = await connect("bob");
    await early.next((f) => f.type === "message" && f.data?.seq === 1);

    // No client sends anything: the store's probe finds the disk writable again.
    await rm(faultFile);
    await until(async () => (await ready()).status === 200, "/ready to say 200 again", 5000);
    send(alice, "m2", 2);
    expect((await answer(alice, "m2")).type).toBe("receipt");
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.data?.body)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
  });

  it("answers outcome_unknown when the WAL sync fails after the commit, takes no more writes until restarted, and a retry then lands once", async () => {
    const first = await ts.start();
    const alice = await connect("alice");
    send(alice, "m1", 1);
    expect((await answer(alice, "m1")).type).toBe("receipt");

    await writeFile(faultFile, "sync");
    send(alice, "m2", 2);
    expect((await answer(alice, "m2")).data).toMatchObject({ code: "outcome_unknown" });
    expect((await ready()).status).toBe(503);
    // The disk is fine again, but a commit may have been lost: nothing more is written.
    await rm(faultFile);
    send(alice, "m3", 3);
    expect((await answer(alice, "m3")).data).toMatchObject({ code: "store_unavailable" });
    send(alice, "m2", 2);
    expect((await answer(alice, "m2")).data).toMatchObject({ code: "store_unavailable" });
    expect((await ready()).status).toBe(503);

    alice.ws.terminate();
    await first.halt();
    await ts.start({}, { dir: first.dir });
    const again = await connect("alice");
    send(again, "m2", 2);
    expect((await answer(again, "m2")).type).toBe("receipt");
    const bob = await connect("bob");
    await bob.next((f) => f.type === "message" && f.data?.seq === 2);
    send(again, "m4", 4);
    await bob.next((f) => f.type === "message" && f.data?.seq === 3);
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.data?.body)).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 4 },
    ]);
  });
});
