import type { Database, Statement } from "better-sqlite3";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Where a batch failed, which says what of it was kept: `write` (BEGIN or a write failed, or
 * COMMIT failed inside a transaction that was then rolled back): nothing. `commit` (COMMIT
 * failed and the transaction is over, or could not be rolled back): maybe all of it. `sync`
 * (committed, then the WAL sync failed): all of it, maybe not on disk.
 */
export type CommitStage = "write" | "commit" | "sync";

/** What the store does around each batch. */
export interface CommitHooks {
  /** First thing inside each batch's transaction (the write lock is held). */
  begin(): void;
  /** The batch failed before it was known to be committed: state derived during it is void. */
  rolledBack(): void;
  /**
   * The batch is kept: committed and as durable as it gets (synced, when `sync` is defined),
   * holding this many writes, `seconds` after its transaction began.
   */
  committed(writes: number, seconds: number): void;
  /**
   * Makes every commit so far durable, off the event loop, then calls `done`. No write of a
   * batch resolves before the sync that follows its commit has returned: no receipt leaves
   * before its commit is durable. Undefined: commits are as durable as they get at commit.
   */
  sync: ((done: (error: Error | undefined) => void) => void) | undefined;
  /** Turns an error of the database into the error the writes reject with, by where it struck. */
  wrapError(error: unknown, stage: CommitStage): Error;
  /** A write refused before it wrote anything (a full mailbox): it fails alone. */
  isRefusal(error: unknown): boolean;
  /** When defined, every write is refused with it, untried (the store takes no writes). */
  refusal(): Error | undefined;
}

class BatchFailure {
  constructor(
    readonly error: unknown,
    readonly stage: CommitStage,
  ) {}
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
 * per write is needed for that, which saves two statements per write. BEGIN, the writes and
 * COMMIT are run apart, so that a failure says what was kept (CommitStage).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private syncing = false;
  private idle: Array<() => void> = [];
  private readonly beginStatement: Statement;
  private readonly commitStatement: Statement;
  private readonly rollbackStatement: Statement;

  constructor(
    private readonly db: Database,
    private readonly hooks: CommitHooks,
  ) {
    // IMMEDIATE: the write lock is taken first, so `begin` sees what other connections
    // committed, and nothing can make the batch fail to upgrade a read lock halfway.
    this.beginStatement = db.prepare("BEGIN IMMEDIATE");
    this.commitStatement = db.prepare("COMMIT");
    this.rollbackStatement = db.prepare("ROLLBACK");
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
    const refusal = this.hooks.refusal();
    if (refusal !== undefined) {
      for (const pending of batch) pending.reject(refusal);
      return;
    }
    const began = performance.now();
    let outcomes: Outcome[];
    try {
      outcomes = this.runBatch(batch);
    } catch (failure) {
      const { error, stage } = failure as BatchFailure;
      this.hooks.rolledBack();
      this.rejectAll(batch, undefined, error, stage);
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
      // Committed but not known to be durable: no write may be reported as done.
      if (error !== undefined) this.rejectAll(batch, outcomes, error, "sync");
      else {
        this.hooks.committed(batch.length, (performance.now() - began) / 1000);
        this.settle(batch, outcomes);
      }
      if (this.queue.length > 0) this.flush();
      else for (const resolve of this.idle.splice(0)) resolve();
    });
  };

  /** BEGIN, the writes, COMMIT: a failure is thrown as a BatchFailure that says where. */
  private runBatch(batch: Pending[]): Outcome[] {
    try {
      this.beginStatement.run();
    } catch (error) {
      throw new BatchFailure(error, "write");
    }
    const outcomes: Outcome[] = [];
    try {
      this.hooks.begin();
      for (const pending of batch) {
        try {
          outcomes.push({ ok: true, value: pending.run() });
        } catch (error) {
          if (!this.hooks.isRefusal(error)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    } catch (error) {
      this.rollback(error);
      throw new BatchFailure(error, "write");
    }
    try {
      this.commitStatement.run();
    } catch (error) {
      // SQLite may have ended the transaction itself (it rolls back on some errors): the
      // commit frame may then be in the WAL or not, except when the disk was full: the
      // frames, the commit frame last, could not be appended to the WAL, and a frame cut
      // short fails its checksum, so nothing of the batch counts (a full disk is the common
      // case, and its senders are told plainly that nothing was kept). One still open is
      // rolled back here.
      if (!this.db.inTransaction && !walAppendFailed(error))
        throw new BatchFailure(error, "commit");
      this.rollback(error);
      throw new BatchFailure(error, "write");
    }
    return outcomes;
  }

  /** Ends a failed transaction; one that cannot be ended leaves the batch's fate unknown. */
  private rollback(cause: unknown): void {
    try {
      if (this.db.inTransaction) this.rollbackStatement.run();
    } catch (error) {
      throw new BatchFailure(new Error(`ROLLBACK failed: ${String(error)}`, { cause }), "commit");
    }
  }

  private settle(batch: Pending[], outcomes: Outcome[]): void {
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  }

  /** A refusal (which wrote nothing) keeps its own error when its batch fails later. */
  private rejectAll(
    batch: Pending[],
    outcomes: Outcome[] | undefined,
    error: unknown,
    stage: CommitStage,
  ): void {
    const failure = this.hooks.wrapError(error, stage);
    batch.forEach((pending, i) => {
      const outcome = outcomes?.[i];
      pending.reject(outcome !== undefined && !outcome.ok ? outcome.error : failure);
    });
  }
}

/** SQLITE_FULL: the disk had no room for the WAL's frames, so the commit frame is not there. */
function walAppendFailed(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_FULL";
}
