import type { Database, Transaction } from "better-sqlite3";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs every write queued during one event-loop turn in a single transaction, so a durable
 * commit (one fsync) is shared by all of them [DELIVERY-1].
 *
 * A write may refuse (a full mailbox) by throwing an error `isRefusal` recognizes, and must
 * do so before it has written anything: it then fails alone. Any other error (SQLite's, or a
 * bug halfway through a write) fails the whole batch, and nothing of it is kept. No savepoint
 * per write is needed for that, which saves two statements per write.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly runBatch: Transaction<(batch: Pending[]) => Outcome[]>;

  constructor(
    db: Database,
    private readonly wrapError: (error: unknown) => Error,
    private readonly isRefusal: (error: unknown) => boolean,
  ) {
    this.runBatch = db.transaction((batch: Pending[]) => {
      const outcomes: Outcome[] = [];
      for (const pending of batch) {
        try {
          outcomes.push({ ok: true, value: pending.run() });
        } catch (error) {
          if (!this.isRefusal(error)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits what is queued now (also used before closing). */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.runBatch(batch);
    } catch (error) {
      const failure = this.wrapError(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  };
}
