import { describe, expect, it } from "vitest";
import { ConcurrencyGate, GateFullError } from "../../src/server/auth/concurrency-gate.js";

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const never = new AbortController().signal;

describe("ConcurrencyGate", () => {
  it("runs at most maxActive tasks at once and starts the waiters in order", async () => {
    const gate = new ConcurrencyGate(1, 5);
    const started: string[] = [];
    const first = deferred();
    const firstStarted = deferred();
    const runs = ["a", "b", "c"].map((name, index) =>
      gate.run(never, async () => {
        started.push(name);
        if (index > 0) return;
        firstStarted.resolve();
        await first.promise;
      }),
    );
    await firstStarted.promise;
    expect(started).toEqual(["a"]);
    expect(gate.queued).toBe(2);
    first.resolve();
    await Promise.all(runs);
    expect(started).toEqual(["a", "b", "c"]);
    expect(gate.active).toBe(0);
  });

  it("refuses at once past maxQueued", async () => {
    const gate = new ConcurrencyGate(1, 1);
    const hold = deferred();
    const running = gate.run(never, () => hold.promise);
    const waiting = gate.run(never, async () => "ran");
    await expect(gate.run(never, async () => "never")).rejects.toBeInstanceOf(GateFullError);
    hold.resolve();
    await running;
    await expect(waiting).resolves.toBe("ran");
  });

  it("lets a waiter whose signal aborts leave the queue without taking a slot", async () => {
    const gate = new ConcurrencyGate(1, 2);
    const hold = deferred();
    const running = gate.run(never, () => hold.promise);
    const deadline = new AbortController();
    const aborted = gate.run(deadline.signal, async () => "never");
    const next = gate.run(never, async () => "next");
    deadline.abort(new Error("deadline"));
    await expect(aborted).rejects.toThrow("deadline");
    expect(gate.queued).toBe(1);
    hold.resolve();
    await running;
    await expect(next).resolves.toBe("next");
    expect(gate.active).toBe(0);
  });
});
