import type { Database } from "better-sqlite3";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs every write queued during one event-loop turn in a single transaction, so a durable
 * commit (one fsync) is shared by all of them [DELIVERY-1]. A write that throws on its own
 * (mailbox full) fails alone; a failing commit fails the whole batch, and nothing of it is kept.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly wrapError: (error: unknown) => Error,
  ) {}

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
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const pending of batch) {
          // Each write in its own savepoint, so one that fails halfway leaves nothing behind.
          const savepoint = this.db.transaction(pending.run);
          try {
            outcomes.push({ ok: true, value: savepoint() });
          } catch (error) {
            if (isSqliteError(error)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })();
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

function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === "SqliteError";
}
