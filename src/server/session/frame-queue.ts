/**
 * Sends a session may have waiting for the store at once. Sends are pipelined so that a
 * burst from one client shares group commits instead of paying one disk flush per mail;
 * past this many, the session reads no further frame until one completes (backpressure).
 */
export const MAX_SENDS_IN_FLIGHT = 256;

type Task = () => void | Promise<void>;

/** Where every session's reply chain starts: one promise shared, not one per session. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * The order of one connection's frames and replies, in one place. Frames are handled one at
 * a time, in arrival order: a frame whose handling waits (auth) holds the ones behind it, so
 * mail sent right after `auth` is handled as the authenticated user. Sends are the exception:
 * they are pipelined (`pipeline`), up to MAX_SENDS_IN_FLIGHT, and every reply goes through
 * `inOrder` or `pipeline`, so replies reach the client in the order of its frames whatever
 * order their outcomes settle in.
 *
 * A base class rather than a member object, so that a session carries its order in its own
 * fields: an idle connection costs no object for it.
 */
export abstract class FrameQueue {
  private inbox: Task[] | undefined;
  private busy = false;
  private lastReply: Promise<void> = SETTLED;
  private sendsInFlight = 0;

  /** Whether the connection is gone: queued frames are dropped and no new one is taken. */
  protected abstract get stopped(): boolean;
  /** A task threw or a reply failed: report it (the queue goes on with the next frame). */
  protected abstract taskFailed(error: unknown): void;

  /** Runs a task in the frame queue: frames that arrive meanwhile wait for it. */
  enqueue(task: Task): void {
    if (this.stopped) return;
    this.inbox ??= [];
    this.inbox.push(task);
    if (!this.busy) this.drain();
  }

  /** Emits a reply after the replies to earlier frames (pending sends) have gone out. */
  inOrder(reply: () => void): void {
    if (this.sendsInFlight === 0) {
      reply();
      return;
    }
    this.lastReply = this.lastReply.then(() => this.runReply(reply, undefined));
  }

  /**
   * A send whose outcome settles later (or is known now): its reply goes out after the earlier
   * frames' replies, while the frames behind it are handled meanwhile. When it is the MAX_SENDS_IN_FLIGHT-th
   * send waiting, returns a promise for the queue to wait on (the client's next frames are read
   * once this send, and so every one before it, is answered); undefined otherwise.
   */
  pipeline<T>(outcome: T | Promise<T>, reply: (result: T) => void): Promise<void> | undefined {
    // An outcome known in the same turn (the memory store) costs no promise: its reply goes
    // out now, or behind the replies still owed.
    if (!(outcome instanceof Promise)) {
      this.inOrder(() => this.runReply(reply, outcome));
      return undefined;
    }
    // No link of the chain rejects (`before` never does), so later replies still go out; an
    // outcome that fails before the replies owed ahead of it is reported after them, in turn.
    const before = this.lastReply;
    const replied = Promise.all([outcome, before]).then(
      ([result]) => this.runReply(reply, result),
      (error: unknown) => before.then(() => this.taskFailed(error)),
    );
    this.lastReply = replied;
    this.sendsInFlight += 1;
    const done = replied.finally(() => {
      this.sendsInFlight -= 1;
    });
    return this.sendsInFlight >= MAX_SENDS_IN_FLIGHT ? done : undefined;
  }

  /** Drops the frames not yet handled (the connection is closing). */
  protected dropQueued(): void {
    if (this.inbox !== undefined) this.inbox.length = 0;
  }

  /** A frame's handling failed: reported in that frame's turn among the replies. */
  private failedInTurn(error: unknown): void {
    this.inOrder(() => this.taskFailed(error));
  }

  private runReply<T>(reply: (result: T) => void, result: T): void {
    try {
      reply(result);
    } catch (error) {
      this.taskFailed(error);
    }
  }

  private drain(): void {
    const inbox = this.inbox;
    if (inbox === undefined) return;
    while (!this.busy && !this.stopped) {
      const task = inbox.shift();
      if (task === undefined) return;
      let pending: void | Promise<void>;
      try {
        pending = task();
      } catch (error) {
        this.failedInTurn(error);
        continue;
      }
      if (pending === undefined) continue;
      this.busy = true;
      pending
        .catch((error: unknown) => this.failedInTurn(error))
        .finally(() => {
          this.busy = false;
          this.drain();
        });
    }
  }
}
