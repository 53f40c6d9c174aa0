import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { NO_RATE_LIMITS } from "../support/test-server.js";

/** What the store's test-only fault hook prints before it stops the node (wal-sync.ts). */
interface StoppedCommit {
  testFault: string;
  mails: string[];
}

function stoppedBeforeSync(server: ChildServer): Promise<StoppedCommit> {
  return new Promise((resolve, reject) => {
    let text = "";
    server.child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split("\n").find((l) => l.includes('"testFault"'));
      if (line !== undefined) resolve(JSON.parse(line) as StoppedCommit);
    });
    server.child.once("exit", (code) => reject(new Error(`exited ${code}: ${text}`)));
  });
}

/** `accepted` receipts as they come: frame ref (the client's id) → mail id. */
function acceptedOf(client: TestClient): Map<string, string> {
  const accepted = new Map<string, string>();
  client.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as {
      type: string;
      ref?: string;
      data?: { status?: string; id?: string };
    };
    if (frame.type === "receipt" && frame.data?.status === "accepted" && frame.ref)
      accepted.set(frame.ref, frame.data.id as string);
  });
  return accepted;
}

describe("a node killed between a group commit's WAL write and its sync", () => {
  let dir: string | undefined;
  let running: ChildServer | undefined;
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("sent no `accepted` for that commit's mail, lost no accepted mail, and answers the retries once each", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-wal-sync-"));
    const cwd = dir;
    const total = 3000;
    const first = await startCli({
      cwd,
      config: { limits: NO_RATE_LIMITS },
      // Test-only: the node stops itself before the WAL sync of the first commit past 700 mails.
      env: { POSTOFFICE_TEST_STOP_BEFORE_WAL_SYNC: "700" },
    });
    running = first.server;
    const stopped = stoppedBeforeSync(first.server);
    const alice = await connectAs(first.url, await signToken({ sub: "alice" }));
    const accepted = acceptedOf(alice);
    for (let n = 1; n <= total; n++)
      alice.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });

    const commit = await stopped;
    // Stopped (SIGSTOP) inside the commit: killed there, as a power cut would find it.
    first.server.child.kill("SIGKILL");
    await first.server.exited;
    await alice.closed;
    expect(commit.mails.length).toBeGreaterThan(0);
    expect(accepted.size).toBeGreaterThan(0);
    const acceptedIds = new Set(accepted.values());
    expect(commit.mails.filter((id) => acceptedIds.has(id))).toEqual([]);

    const second = await startCli({ cwd, config: { limits: NO_RATE_LIMITS } });
    running = second.server;
    // The sender retries every send it was not told `accepted` for, with the same id.
    const again = await connectAs(second.url, await signToken({ sub: "alice" }));
    const retried = acceptedOf(again);
    for (let n = 1; n <= total; n++)
      if (!accepted.has(`c${n}`))
        again.send({ type: "message", id: `c${n}`, data: { to: "bob", n } });
    const bob = await connectAs(second.url, await signToken({ sub: "bob" }));
    await bob.next(
      (f) => f.type === "message" && (f.data?.body as { n?: number } | undefined)?.n === total,
      30_000,
    );
    const mail = bob.frames
      .filter((f) => f.type === "message")
      .map((f) => ({
        id: f.data?.id as string,
        seq: f.data?.seq as number,
        n: (f.data?.body as { n?: number } | undefined)?.n,
      }));
    // Every mail once, in the order sent, numbered without a gap: the accepted ones survived.
    expect(mail.map((m) => m.n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(mail.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const stored = new Set(mail.map((m) => m.id));
    for (const id of acceptedIds) expect(stored.has(id)).toBe(true);
    // A retry of mail that did reach the WAL is answered with that mail, not stored again.
    const fromStoppedCommit = [...retried.values()].filter((id) => commit.mails.includes(id));
    if (process.env.POSTOFFICE_TEST_LOG)
      console.log({
        accepted: accepted.size,
        stoppedCommit: commit.mails.length,
        retriedFromIt: fromStoppedCommit.length,
      });
    for (const id of fromStoppedCommit) expect(stored.has(id)).toBe(true);
    again.ws.terminate();
    bob.ws.terminate();
  }, 90_000);
});
