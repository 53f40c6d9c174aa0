import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The durable half of a group commit under `synchronous: full`.
 *
 * The connection runs with SQLite's `synchronous = NORMAL`: a commit writes its pages to the
 * WAL, and SQLite syncs the WAL and the database only around checkpoints. FULL adds one sync
 * of the WAL after each commit; this class is that sync, done here rather than inside SQLite
 * so that it is counted, shared by every write of the group commit, and has a point between
 * the WAL write and its sync where a test can stop the process (`StopBeforeWalSync`).
 * Nobody may be told `accepted` before `sync` returns [DELIVERY-1].
 */
export class WalSync {
  private readonly fd: number;
  /** fdatasync calls made: one per group commit. */
  syncs = 0;

  constructor(
    dbFile: string,
    private readonly fault: StopBeforeWalSync | undefined,
  ) {
    // Kept open as long as the database: SQLite holds no lock on the WAL file itself (its
    // locks are on the database and the -shm file), so this descriptor cannot release one.
    this.fd = openSync(`${dbFile}-wal`, "r");
    // SQLite syncs the directory on its first sync of a new WAL; with NORMAL that comes only
    // at the first checkpoint, so the WAL's name is made durable here, before any commit.
    const dir = openSync(dirname(dbFile), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  sync(): void {
    this.fault?.beforeSync();
    fdatasyncSync(this.fd);
    this.syncs += 1;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * TEST ONLY. With `POSTOFFICE_TEST_STOP_BEFORE_WAL_SYNC=N` in its environment, a node stops
 * itself (SIGSTOP) at the first group commit, after at least N mails, whose WAL is written but
 * not yet synced, after printing one JSON line on standard error:
 * `{"testFault":"stopped before WAL sync","mails":[ids of that commit's mail]}`. A crash test
 * then kills it there (test/delivery/wal-sync-crash.test.ts). Never set it in production.
 */
export class StopBeforeWalSync {
  private mails: string[] = [];
  private total = 0;
  private fired = false;

  private constructor(private readonly afterMails: number) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): StopBeforeWalSync | undefined {
    const value = env.POSTOFFICE_TEST_STOP_BEFORE_WAL_SYNC;
    if (value === undefined || value === "") return undefined;
    return new StopBeforeWalSync(Number(value));
  }

  /** A batch begins: what an earlier, rolled-back one held is not in this commit. */
  begin(): void {
    this.mails = [];
  }

  appended(mailId: string): void {
    this.mails.push(mailId);
    this.total += 1;
  }

  beforeSync(): void {
    if (!this.fired && this.total >= this.afterMails && this.mails.length > 0) {
      this.fired = true;
      const line = JSON.stringify({ testFault: "stopped before WAL sync", mails: this.mails });
      writeSync(2, `${line}\n`);
      process.kill(process.pid, "SIGSTOP");
    }
    this.mails = [];
  }
}
