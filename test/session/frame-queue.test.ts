import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameQueue, MAX_SENDS_IN_FLIGHT } from "../../src/server/session/frame-queue.js";

/** A frame queue whose replies are recorded, as a session's would be written. */
class RecordedQueue extends FrameQueue {
  readonly replies: string[] = [];
  closed = false;
  protected get stopped(): boolean {
    return this.closed;
  }
  protected taskFailed(error: unknown): void {
    this.replies.push(`failed ${(error as Error).message}`);
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a client frame does in the queue, as the handlers do it. */
type FrameKind =
  | "reply" // answered at once (ping, a refusal): inOrder
  | "send" // a pipelined send whose outcome settles later
  | "failed-send" // a pipelined send whose outcome rejects
  | "waits" // a frame whose handling waits (auth), then replies
  | "throws"; // a handler that throws

describe("FrameQueue: the order of a session's replies", () => {
  it("replies in frame order whatever order the outcomes settle in, errors included", async () => {
    const kinds = fc.constantFrom<FrameKind>("reply", "send", "failed-send", "waits", "throws");
    await fc.assert(
      fc.asyncProperty(fc.array(kinds, { maxLength: 40 }), fc.scheduler(), async (frames, s) => {
        const queue = new RecordedQueue();
        frames.forEach((kind, i) => {
          const name = String(i);
          queue.enqueue(() => {
            switch (kind) {
              case "reply":
                queue.inOrder(() => queue.replies.push(name));
                return;
              case "send":
                return queue.pipeline(s.schedule(Promise.resolve(name)), (result) => {
                  queue.replies.push(result);
                });
              case "failed-send":
                return queue.pipeline(
                  s.schedule(Promise.resolve()).then(() => Promise.reject(new Error(name))),
                  () => queue.replies.push("never"),
                );
              case "waits":
                return s
                  .schedule(Promise.resolve())
                  .then(() => queue.inOrder(() => queue.replies.push(name)));
              case "throws":
                throw new Error(name);
            }
          });
        });
        // Settled one at a time, in the scheduler's order, each followed by what it sets off.
        for (await settle(); s.count() > 0; await settle()) await s.waitOne();
        const expected = frames.map((kind, i) =>
          kind === "failed-send" || kind === "throws" ? `failed ${i}` : String(i),
        );
        expect(queue.replies).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("handles the frames behind a pending send meanwhile, but replies to them after it", async () => {
    const queue = new RecordedQueue();
    const outcome = deferred<string>();
    const handled: string[] = [];
    queue.enqueue(() => {
      handled.push("send");
      return queue.pipeline(outcome.promise, (r) => queue.replies.push(r));
    });
    queue.enqueue(() => {
      handled.push("ping");
      queue.inOrder(() => queue.replies.push("pong"));
    });
    await settle();
    expect(handled).toEqual(["send", "ping"]);
    expect(queue.replies).toEqual([]);
    outcome.resolve("receipt");
    await settle();
    expect(queue.replies).toEqual(["receipt", "pong"]);
  });

  it(`reads no further frame while ${MAX_SENDS_IN_FLIGHT} sends wait, then goes on in order`, async () => {
    const queue = new RecordedQueue();
    const outcomes = Array.from({ length: MAX_SENDS_IN_FLIGHT + 2 }, () => deferred<string>());
    let started = 0;
    for (const [i, outcome] of outcomes.entries()) {
      queue.enqueue(() => {
        started += 1;
        return queue.pipeline(outcome.promise, () => queue.replies.push(String(i)));
      });
    }
    let pingHandled = false;
    queue.enqueue(() => {
      pingHandled = true;
      queue.inOrder(() => queue.replies.push("pong"));
    });
    await settle();
    expect(started).toBe(MAX_SENDS_IN_FLIGHT);
    // Settling the later ones first frees nothing: the queue waits for the send that filled it.
    for (const outcome of outcomes.slice(1)) outcome.resolve("");
    await settle();
    expect(started).toBe(MAX_SENDS_IN_FLIGHT);
    expect(queue.replies).toEqual([]);
    outcomes[0]?.resolve("");
    await settle();
    expect(started).toBe(MAX_SENDS_IN_FLIGHT + 2);
    expect(pingHandled).toBe(true);
    expect(queue.replies).toEqual([...outcomes.map((_, i) => String(i)), "pong"]);
  });

  it("drops the frames not yet handled once the connection is gone", async () => {
    const queue = new RecordedQueue();
    const auth = deferred<void>();
    queue.enqueue(() => auth.promise);
    queue.enqueue(() => queue.inOrder(() => queue.replies.push("late")));
    queue.closed = true;
    auth.resolve();
    await settle();
    expect(queue.replies).toEqual([]);
  });
});
