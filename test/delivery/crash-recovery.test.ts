import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import { connectAs, signToken } from "../support/test-client.js";
import { NO_RATE_LIMITS } from "../support/test-server.js";

describe("a node killed with SIGKILL", () => {
  let dir: string | undefined;
  let running: ChildServer | undefined;
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loses no accepted mail: after a restart on the same data directory every accepted mail arrives once, in order", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-crash-"));
    const cwd = dir;
    // One sender pushes 3000 mails as fast as it can: the per-connection rate limits are off.
    const start = () => startCli({ cwd, config: { limits: NO_RATE_LIMITS } });

    const first = await start();
    running = first.server;
    const alice = await connectAs(first.url, await signToken({ sub: "alice" }));
    const accepted: string[] = [];
    const total = 3000;
    let killed = false;
    const killedOnce = new Promise<void>((resolve) => {
      alice.ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as {
          type: string;
          data?: { status?: string; id?: string };
        };
        if (frame.type !== "receipt" || frame.data?.status !== "accepted") return;
        accepted.push(frame.data.id as string);
        // Kill mid-stream: sends are still in flight, some stored but not yet confirmed.
        if (accepted.length === 700 && !killed) {
          killed = true;
          first.server.child.kill("SIGKILL");
          resolve();
        }
      });
    });
    for (let n = 1; n <= total; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });
    await killedOnce;
    await first.server.exited;
    await alice.closed;
    expect(accepted.length).toBeGreaterThanOrEqual(700);
    expect(accepted.length).toBeLessThan(total);

    const second = await start();
    running = second.server;
    const bob = await connectAs(second.url, await signToken({ sub: "bob" }));
    const lastAccepted = accepted[accepted.length - 1];
    await bob.next((f) => f.type === "message" && f.data?.id === lastAccepted, 15_000);
    const seen = new Map<string, { seq: number; n: number }>();
    for (const frame of bob.frames) {
      if (frame.type !== "message" || !frame.data) continue;
      const id = frame.data.id as string;
      if (!seen.has(id))
        seen.set(id, { seq: frame.data.seq as number, n: (frame.data.body as { n: number }).n });
    }
    if (process.env.POSTOFFICE_TEST_LOG)
      console.log({ accepted: accepted.length, stored: seen.size });
    for (const id of accepted) expect(seen.has(id)).toBe(true);
    const delivered = [...seen.values()];
    expect(delivered.map((d) => d.seq)).toEqual(delivered.map((_, i) => i + 1));
    expect(delivered.map((d) => d.n)).toEqual(delivered.map((_, i) => i + 1));
    const acceptedOrder = accepted.map((id) => seen.get(id)?.seq);
    expect(acceptedOrder).toEqual([...acceptedOrder].sort((a, b) => (a ?? 0) - (b ?? 0)));
    bob.ws.terminate();
  }, 60_000);
});
