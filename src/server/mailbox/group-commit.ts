import type { Database, Transaction } from "better-sqlite3";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What the store does around each batch. */
export interface CommitHooks {
  /** First thing inside each batch's transaction (the write lock is held). */
  begin(): void;
  /** The batch's transaction failed and was rolled back: state derived during it is void. */
  rolledBack(): void;
  /**
   * The batch is committed and as durable as it gets (synced, when `sync` is defined), holding
   * this many writes, `seconds` after its transaction began.
   */
  committed(writes: number, seconds: number): void;
  /**
   * Makes every commit so far durable, off the event loop, then calls `done`. No write of a
   * batch resolves before the sync that follows its commit has returned: no receipt leaves
   * before its commit is durable. Undefined: commits are as durable as they get at commit.
   */
  sync: ((done: (error: Error | undefined) => void) => void) | undefined;
  /** Turns an error of the database into the error the writes reject with. */
  wrapError(error: unknown): Error;
  /** A write refused before it wrote anything (a full mailbox): it fails alone. */
  isRefusal(error: unknown): boolean;
}

/**
 * Runs the writes queued meanwhile in a single transaction, so a durable commit (one fsync) is
 * shared by all of them [DELIVERY-1]: those of one event-loop turn, or, while a sync runs,
 * every write queued until it ends (the next batch is committed as soon as it does). The sync
 * runs on libuv's thread pool, so the node goes on reading and routing meanwhile, and the
 * slower the disk, the bigger the group.
 *
 * A write may refuse (a full mailbox) by throwing an error `isRefusal` recognizes, and must
 * do so before it has written anything: it then fails alone. Any other error (SQLite's, or a
 * bug halfway through a write) fails the whole batch, and nothing of it is kept. No savepoint
 * per write is needed for that, which saves two statements per write.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private syncing = false;
  private idle: Array<() => void> = [];
  private readonly runBatch: Transaction<(batch: Pending[]) => Outcome[]>;

  constructor(
    db: Database,
    private readonly hooks: CommitHooks,
  ) {
    this.runBatch = db.transaction((batch: Pending[]) => {
      this.hooks.begin();
      const outcomes: Outcome[] = [];
      for (const pending of batch) {
        try {
          outcomes.push({ ok: true, value: pending.run() });
        } catch (error) {
          if (!this.hooks.isRefusal(error)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits what is queued, and resolves once no write is waiting or being synced. */
  async drain(): Promise<void> {
    while (this.syncing || this.queue.length > 0) {
      if (this.syncing) await new Promise<void>((resolve) => this.idle.push(resolve));
      else this.flush();
    }
  }

  /** Commits what is queued now, unless a sync runs: its end commits what was queued meanwhile. */
  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.syncing) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const began = performance.now();
    let outcomes: Outcome[];
    try {
      // IMMEDIATE: the write lock is taken first, so `begin` sees what other connections
      // committed, and nothing can make the batch fail to upgrade a read lock halfway.
      outcomes = this.runBatch.immediate(batch);
    } catch (error) {
      this.hooks.rolledBack();
      this.rejectAll(batch, error);
      return;
    }
    const sync = this.hooks.sync;
    if (sync === undefined) {
      this.hooks.committed(batch.length, (performance.now() - began) / 1000);
      this.settle(batch, outcomes);
      return;
    }
    this.syncing = true;
    sync((error) => {
      this.syncing = false;
      // Committed but not known to be durable: no write may be reported as done. A retried
      // send finds its idempotency key and is answered then [DELIVERY-4].
      if (error !== undefined) this.rejectAll(batch, error);
      else {
        this.hooks.committed(batch.length, (performance.now() - began) / 1000);
        this.settle(batch, outcomes);
      }
      if (this.queue.length > 0) this.flush();
      else for (const resolve of this.idle.splice(0)) resolve();
    });
  };

  private settle(batch: Pending[], outcomes: Outcome[]): void {
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  }

  private rejectAll(batch: Pending[], error: unknown): void {
    const failure = this.hooks.wrapError(error);
    for (const pending of batch) pending.reject(failure);
  }
}
