import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import type { JsonObject } from "../../protocol/index.js";
import { makePrivateDir, makePrivateFile, tightenPrivateFile } from "../data-dir/private-modes.js";
import { mailFingerprint, sameFingerprint } from "./fingerprint.js";
import { GroupCommit } from "./group-commit.js";
import { type MailboxHead, MailboxHeads } from "./mailbox-heads.js";
import {
  type AppendResult,
  type MailboxEntry,
  MailboxFullError,
  type MailboxPosition,
  type MessageStore,
  type NewMail,
  type RetentionOptions,
  type StoredReceipt,
  StoreError,
  serializedBody,
  storedMail,
} from "./message-store.js";
import { SqliteRetention } from "./sqlite-retention.js";
import { migrate } from "./sqlite-schema.js";
import {
  type KeyRow,
  type LogRow,
  prepareStatements,
  type SqliteStatements,
} from "./sqlite-statements.js";
import { testDiskFault } from "./test-disk-fault.js";
import { StopBeforeWalSync, WalSync } from "./wal-sync.js";
import { WriteHealth, type WriteState } from "./write-health.js";

export interface SqliteOptions extends RetentionOptions {
  file: string;
  synchronous: "full" | "normal";
  busyTimeoutMs: number;
  /** Mailbox heads kept in memory, least recently used dropped first (default 100,000). */
  cachedMailboxes?: number;
  /**
   * Told after each group commit, once durable: how many writes (mail, acks, sweeps) it held,
   * whether its WAL was synced, and how many seconds it took from its transaction's start.
   */
  onCommit?: (writes: number, synced: boolean, seconds: number) => void;
  /** Told when the store stops or starts being able to write (see WriteHealth). */
  onWriteState?: (state: WriteState, error?: unknown) => void;
  /** Time between probe writes while writes fail (default 1000 ms). */
  probeIntervalMs?: number;
}

/**
 * Mailboxes in an embedded SQLite database (WAL), as one append-only log: a mail is one
 * INSERT, a receipt one INSERT. Each mailbox's last sequence and counts are kept in memory
 * (`MailboxHeads`, read back from the log on a miss). Writes are group-committed (GroupCommit);
 * with `synchronous: full` the WAL is synced once per group commit, off the event loop, before
 * any write of it resolves [DELIVERY-1]. Deletes (TTL, compaction) run in chunks, in `expire`.
 * A failed write rejects with `store_unavailable` (rolled back) or `outcome_unknown` (at or
 * after the commit), and makes the store not `accepting` until a write is kept (WriteHealth).
 */
export class SqliteMessageStore implements MessageStore {
  private readonly db: Database;
  private readonly sql: SqliteStatements;
  private readonly commits: GroupCommit;
  private readonly heads: MailboxHeads;
  private readonly retention: SqliteRetention;
  private readonly wal: WalSync | undefined;
  private readonly fault = StopBeforeWalSync.fromEnv();
  private readonly diskFault = testDiskFault();
  private readonly health: WriteHealth;
  private readonly probeStatement: Statement;
  /** The next log position: kept here, so that a position is never reused (see `sent`). */
  private nextPos = 0;
  /**
   * Entries below this position are durable. A replay reads only those: mail committed while
   * its sync runs is not handed to anyone before its sender may be told `accepted`.
   */
  private durablePos = Number.MAX_SAFE_INTEGER;
  private dataVersion = 0;
  /** Mailboxes with entries not yet acknowledged; undefined until counted (after `forget`). */
  private waiting: number | undefined;

  constructor(
    private readonly options: SqliteOptions,
    private readonly clock: () => number = Date.now,
  ) {
    let db: Database | undefined;
    try {
      // Mail is nobody else's business: 0700 and 0600 whatever the umask, the database made
      // before SQLite opens it (its -wal and -shm take its mode), older looser files tightened.
      makePrivateDir(dirname(options.file));
      makePrivateFile(options.file);
      for (const suffix of ["-wal", "-shm", "-journal"]) tightenPrivateFile(options.file + suffix);
      db = new BetterSqlite3(options.file, { timeout: options.busyTimeoutMs });
      db.pragma("journal_mode = WAL");
      // FULL's sync of every commit is WalSync's, once per group commit (see wal-sync.ts).
      db.pragma("synchronous = NORMAL");
      migrate(db);
      this.sql = prepareStatements(db);
      // The version as a number, no row object: it is read before every read and transaction.
      this.sql.dataVersion.pluck();
      // The cheapest write there is: one page (the header) to the WAL, nothing changed.
      this.probeStatement = db.prepare(
        `PRAGMA user_version = ${db.pragma("user_version", { simple: true }) as number}`,
      );
      this.wal =
        options.synchronous === "full"
          ? new WalSync(options.file, this.fault, this.diskFault)
          : undefined;
    } catch (error) {
      db?.close();
      throw new StoreError(`cannot open the mailbox database ${options.file}: ${String(error)}`, {
        cause: error,
      });
    }
    this.db = db;
    this.heads = new MailboxHeads(options.cachedMailboxes ?? 100_000);
    this.retention = new SqliteRetention(this.sql, this.heads, options);
    this.dataVersion = this.sql.dataVersion.get() as number;
    this.forget();
    if (this.wal !== undefined) this.durablePos = this.nextPos;
    this.health = new WriteHealth({
      probe: () => this.write(() => this.probeStatement.run()),
      probeIntervalMs: options.probeIntervalMs,
      onChange: options.onWriteState,
    });
    this.commits = new GroupCommit(db, {
      begin: () => this.current(),
      rolledBack: () => this.forget(),
      committed: (writes, seconds) => {
        this.health.succeeded();
        this.options.onCommit?.(writes, this.wal !== undefined, seconds);
      },
      sync: this.wal && ((done) => this.sync(done)),
      wrapError: (error, stage) => this.health.failed(error, stage),
      isRefusal: (error) => error instanceof MailboxFullError,
      refusal: () => this.health.refusal(),
    });
  }

  /** Whether the last write was kept (and no WAL sync has failed). */
  get accepting(): boolean {
    return this.health.accepting;
  }

  /** fdatasync calls made so far (0 with `synchronous: normal`). */
  get walSyncs(): number {
    return this.wal?.syncs ?? 0;
  }

  append(mail: NewMail): Promise<AppendResult> {
    return this.write(() => this.insertMail(mail));
  }

  async readAfter(userId: string, afterSeq: number, limit: number): Promise<MailboxEntry[]> {
    return this.read(() => {
      // A session that has everything (most connects) costs no query.
      const head = this.current().get(userId);
      if (head !== undefined && afterSeq >= head.last) return [];
      const oldest = this.clock() - this.options.ttlMs;
      const rows = this.sql.readAfter.all(userId, afterSeq, oldest, this.durablePos, limit);
      return (rows as LogRow[]).map(toEntry);
    });
  }

  async position(userId: string): Promise<MailboxPosition> {
    return this.read(() => {
      this.current();
      const { last, acked, read } = this.head(userId);
      return { last, acked, read };
    });
  }

  ack(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): Promise<StoredReceipt[]> {
    return this.write(() => this.insertAck(userId, seq, status, now));
  }

  /** The TTL sweep in chunks of one group commit each, then compaction (SqliteRetention). */
  async expire(now: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const chunk = await this.write(() => this.retention.expireChunk(now));
      removed += chunk.removed;
      if (chunk.done) break;
    }
    await this.write(() => {
      this.sql.deleteSentBefore.run(now - this.options.idempotencyWindowMs);
    });
    const overgrown = this.retention.overgrown();
    while (overgrown.length > 0) await this.write(() => this.retention.compactSome(overgrown, now));
    return removed;
  }

  /** Counted in the database once, then kept up to date as heads move (see `moved`). */
  async waitingMailboxes(): Promise<number> {
    return this.read(() => {
      this.current();
      this.waiting ??= (this.sql.waitingMailboxes.get() as { n: number }).n;
      return this.waiting;
    });
  }

  async close(): Promise<void> {
    this.health.close();
    await this.commits.drain();
    this.db.close();
    this.wal?.close();
  }

  /** A write in the next group commit (the test-only disk fault strikes here). */
  private write<T>(run: () => T): Promise<T> {
    return this.commits.write(() => {
      this.diskFault?.write();
      return run();
    });
  }

  private sync(done: (error: Error | undefined) => void): void {
    const upTo = this.nextPos;
    (this.wal as WalSync).sync((error) => {
      if (error === undefined) this.durablePos = Math.max(this.durablePos, upTo);
      done(error);
    });
  }

  /**
   * One statement for mail to a mailbox with room (two with a `ref`: the idempotency key is
   * looked up first) [DELIVERY-4].
   */
  private insertMail(mail: NewMail): AppendResult {
    const fingerprint = mail.ref === undefined ? null : mailFingerprint(mail);
    if (mail.ref !== undefined && fingerprint !== null) {
      const earlier = newer(
        this.sql.logKey.get(mail.from, mail.ref) as KeyRow | undefined,
        this.sql.sentKey.get(mail.from, mail.ref) as KeyRow | undefined,
      );
      if (
        earlier !== undefined &&
        sameFingerprint(earlier.fingerprint, mail, fingerprint) &&
        earlier.ts > mail.ts - this.options.idempotencyWindowMs
      ) {
        const { id, recipient: to, seq, ts } = earlier;
        return { duplicate: true, accepted: { id, to, seq, ts } };
      }
    }
    const head = this.head(mail.to);
    const dropped = this.retention.makeRoom(mail.to, head, mail.ts);
    const seq = head.last + 1;
    const bodyJson = serializedBody(mail);
    const ref = mail.ref ?? null;
    this.sql.insert.run(
      this.nextPos,
      mail.to,
      seq,
      "mail",
      mail.id,
      mail.from,
      mail.ts,
      bodyJson,
      ref,
      fingerprint,
    );
    this.nextPos += 1;
    this.moved(head, seq, head.acked);
    head.mails += 1;
    if (head.entries >= 0) head.entries += 1;
    this.fault?.appended(mail.id);
    const stored = storedMail(mail, seq, bodyJson);
    return { duplicate: false, mail: stored, dropped };
  }

  /** One read of the mail covered, one INSERT per receipt, one write of the position. */
  private insertAck(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): StoredReceipt[] {
    const head = this.head(userId);
    const upTo = Math.min(seq, head.last);
    const receipts: StoredReceipt[] = [];
    const delivered = upTo > head.acked;
    const read = status === "read" && upTo > head.read;
    if (delivered) {
      this.receiptsFor(userId, head.acked, upTo, "delivered", now, receipts);
      this.moved(head, head.last, upTo);
    }
    if (read) {
      this.receiptsFor(userId, head.read, upTo, "read", now, receipts);
      head.read = upTo;
    }
    if (delivered || read) this.sql.savePosition.run(userId, head.last, head.acked, head.read);
    return receipts;
  }

  private receiptsFor(
    userId: string,
    after: number,
    upTo: number,
    status: "delivered" | "read",
    now: number,
    out: StoredReceipt[],
  ): void {
    const mails = this.sql.mailBetween.all(userId, after, upTo) as Array<
      Pick<LogRow, "id" | "peer" | "ref">
    >;
    for (const mail of mails) {
      const owner = this.head(mail.peer);
      // Counted once, so that compaction sees a mailbox that grows with receipts alone.
      if (owner.entries < 0) this.retention.count(mail.peer, owner);
      const seq = owner.last + 1;
      this.sql.insert.run(
        this.nextPos,
        mail.peer,
        seq,
        status,
        mail.id,
        userId,
        now,
        null,
        mail.ref,
        null,
      );
      this.nextPos += 1;
      this.moved(owner, seq, owner.acked);
      owner.entries += 1;
      const receipt: StoredReceipt = {
        kind: "receipt",
        owner: mail.peer,
        seq,
        status,
        mailId: mail.id,
        to: userId,
        ts: now,
      };
      // Set after: a spread of an optional `ref` is V8's slow path, once per receipt.
      if (mail.ref !== null) receipt.ref = mail.ref;
      out.push(receipt);
    }
  }

  /** The head of a mailbox, read from the database if it is not in memory. */
  private head(userId: string): MailboxHead {
    const cached = this.heads.get(userId);
    if (cached !== undefined) return cached;
    const row = this.sql.head.get({ user: userId }) as {
      top: number | null;
      last_seq: number | null;
      acked_seq: number | null;
      read_seq: number | null;
    };
    const head: MailboxHead = {
      last: Math.max(row.top ?? 0, row.last_seq ?? 0),
      acked: row.acked_seq ?? 0,
      read: row.read_seq ?? 0,
      mails: -1,
      entries: -1,
    };
    this.heads.add(userId, head);
    return head;
  }

  /** A head's last or acknowledged sequence changes: the count of waiting mailboxes follows. */
  private moved(head: MailboxHead, last: number, acked: number): void {
    if (this.waiting !== undefined)
      this.waiting += Number(last > acked) - Number(head.last > head.acked);
    head.last = last;
    head.acked = acked;
  }

  /** The heads, emptied first if another connection wrote to the database since we last looked. */
  private current(): MailboxHeads {
    const version = this.sql.dataVersion.get() as number;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.forget();
    }
    return this.heads;
  }

  /** Drops what memory holds about the database: it is read again on its next use. */
  private forget(): void {
    this.heads.clear();
    this.waiting = undefined;
    this.nextPos = (this.sql.lastPos.get() as { pos: number }).pos + 1;
  }

  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw new StoreError(`mailbox database read failed: ${String(error)}`, { cause: error });
    }
  }
}

/** The newer of two keys of one (sender, ref), by log position. */
function newer(log: KeyRow | undefined, sent: KeyRow | undefined): KeyRow | undefined {
  if (log === undefined) return sent;
  return sent !== undefined && sent.pos > log.pos ? sent : log;
}

function toEntry(row: LogRow): MailboxEntry {
  if (row.kind === "mail") {
    const bodyJson = row.body ?? "{}";
    let body: JsonObject | undefined;
    return {
      kind: "mail",
      id: row.id,
      seq: row.seq,
      from: row.peer,
      to: row.user,
      ts: row.ts,
      // A replay sends the stored JSON as it is (encodeEntry): parsed only if someone asks.
      get body(): JsonObject {
        body ??= JSON.parse(bodyJson) as JsonObject;
        return body;
      },
      bodyJson,
      ...(row.ref === null ? {} : { ref: row.ref }),
    };
  }
  return {
    kind: "receipt",
    owner: row.user,
    seq: row.seq,
    status: row.kind,
    mailId: row.id,
    to: row.peer,
    ts: row.ts,
    ...(row.ref === null ? {} : { ref: row.ref }),
  };
}
