/**
 * Sends a session may have waiting for the store at once. Sends are pipelined so that a
 * burst from one client shares group commits instead of paying one disk flush per mail;
 * past this many, the session reads no further frame until one completes (backpressure).
 */
export const MAX_SENDS_IN_FLIGHT = 256;

type Task = () => void | Promise<void>;

/**
 * A reply owed, in frame order: a pipelined send's (ready once its outcome settles) or a
 * reply that came behind one (ready at once). `waiter`: the queue waits for this one.
 */
interface Owed {
  send: boolean;
  /** Set once the reply can go out. */
  run: (() => void) | undefined;
  waiter?: () => void;
}

/**
 * The order of one connection's frames and replies, in one place. Frames are handled one at
 * a time, in arrival order: a frame whose handling waits (auth) holds the ones behind it, so
 * mail sent right after `auth` is handled as the authenticated user. Sends are the exception:
 * they are pipelined (`pipeline`), up to MAX_SENDS_IN_FLIGHT, and every reply goes through
 * `inOrder` or `pipeline`, so replies reach the client in the order of its frames whatever
 * order their outcomes settle in: replies owed behind a pending send wait in a list, in frame
 * order, and go out as soon as everything ahead of them has (one reaction per send, no chain
 * of promises).
 *
 * A base class rather than a member object, so that a session carries its order in its own
 * fields: an idle connection costs no object for it.
 */
export abstract class FrameQueue {
  private inbox: Task[] | undefined;
  private busy = false;
  /** Replies owed behind a pending send, in frame order; empty when none is pending. */
  private owed: Owed[] | undefined;
  private sendsInFlight = 0;

  /** Whether the connection is gone: queued frames are dropped and no new one is taken. */
  protected abstract get stopped(): boolean;
  /** A task threw or a reply failed: report it (the queue goes on with the next frame). */
  protected abstract taskFailed(error: unknown): void;

  /** Runs a task in the frame queue: frames that arrive meanwhile wait for it. */
  enqueue(task: Task): void {
    if (this.stopped) return;
    // Made with room for one: an idle connection keeps it, and a growing push would reserve 17.
    if (this.inbox === undefined) this.inbox = [task];
    else this.inbox.push(task);
    if (!this.busy) this.drain();
  }

  /** Emits a reply after the replies to earlier frames (pending sends) have gone out. */
  inOrder(reply: () => void): void {
    const owed = this.owed;
    if (owed === undefined || owed.length === 0) {
      reply();
      return;
    }
    owed.push({ send: false, run: () => this.runReply(reply, undefined) });
  }

  /**
   * A send whose outcome settles later (or is known now): its reply goes out after the earlier
   * frames' replies, while the frames behind it are handled meanwhile. When it is the
   * MAX_SENDS_IN_FLIGHT-th send waiting, returns a promise for the queue to wait on (the
   * client's next frames are read once this send, and so every one before it, is answered);
   * undefined otherwise.
   */
  pipeline<T>(outcome: T | Promise<T>, reply: (result: T) => void): Promise<void> | undefined {
    // An outcome known in the same turn (the memory store) costs no promise: its reply goes
    // out now, or behind the replies still owed.
    if (!(outcome instanceof Promise)) {
      this.inOrder(() => this.runReply(reply, outcome));
      return undefined;
    }
    const entry: Owed = { send: true, run: undefined };
    this.owed ??= [];
    this.owed.push(entry);
    this.sendsInFlight += 1;
    // An outcome that fails before the replies owed ahead of it is reported after them, in turn.
    outcome.then(
      (result) => {
        entry.run = () => this.runReply(reply, result);
        this.sendOwed();
      },
      (error: unknown) => {
        entry.run = () => this.taskFailed(error);
        this.sendOwed();
      },
    );
    if (this.sendsInFlight < MAX_SENDS_IN_FLIGHT) return undefined;
    return new Promise((resolve) => {
      entry.waiter = resolve;
    });
  }

  /** Sends the replies owed from the first, up to the first still pending. */
  private sendOwed(): void {
    const owed = this.owed;
    if (owed === undefined) return;
    for (let first = owed[0]; first?.run !== undefined; first = owed[0]) {
      // Out of the list before it runs: a reply it sets off goes behind the ones still owed.
      owed.shift();
      if (first.send) this.sendsInFlight -= 1;
      first.run();
      first.waiter?.();
    }
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
