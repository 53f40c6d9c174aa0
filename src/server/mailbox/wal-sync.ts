import { closeSync, fdatasync, fsyncSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { DiskFault } from "./test-disk-fault.js";

/**
 * The durable half of a group commit under `synchronous: full`.
 *
 * The connection runs with SQLite's `synchronous = NORMAL`: a commit writes its pages to the
 * WAL, and SQLite syncs the WAL and the database only around checkpoints. FULL adds one sync
 * of the WAL after each commit; this class is that sync, done here rather than inside SQLite
 * so that it runs off the event loop (libuv's thread pool), is counted, is shared by every
 * write of the group commit, and has a point between the WAL write and its sync where a test
 * can stop the process (`StopBeforeWalSync`). Nobody may be told `accepted` before `sync`
 * calls back [DELIVERY-1].
 */
export class WalSync {
  private readonly fd: number;
  /** fdatasync calls made: one per group commit. */
  syncs = 0;

  constructor(
    dbFile: string,
    private readonly fault: StopBeforeWalSync | undefined,
    private readonly diskFault?: DiskFault,
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

  /** fdatasync of the WAL: every commit made before this call is durable when `done` runs. */
  sync(done: (error: Error | undefined) => void): void {
    this.fault?.beforeSync();
    fdatasync(this.fd, (error) => {
      const failed = error ?? this.diskFault?.sync();
      if (failed === undefined) this.syncs += 1;
      done(failed);
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * TEST ONLY. With `POSTOFFICE_TEST_STOP_BEFORE_WAL_SYNC=N` in its environment, a node stops
 * itself (SIGSTOP) at the first sync, after at least N mails, of a WAL written but not yet
 * synced, after printing one JSON line on standard error:
 * `{"testFault":"stopped before WAL sync","mails":[ids of the mail that sync would cover]}`. A crash test
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
