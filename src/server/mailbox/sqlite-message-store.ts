import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import type { JsonObject } from "../../protocol/index.js";
import { makePrivateDir, makePrivateFile, tightenPrivateFile } from "../data-dir/private-modes.js";
import { mailFingerprint } from "./fingerprint.js";
import { GroupCommit } from "./group-commit.js";
import {
  type AppendResult,
  type MailboxEntry,
  MailboxFullError,
  type MailboxPosition,
  type MessageStore,
  type NewMail,
  type RetentionOptions,
  type StoredMail,
  type StoredReceipt,
  StoreError,
  serializedBody,
} from "./message-store.js";
import { migrate } from "./sqlite-schema.js";

export interface SqliteOptions extends RetentionOptions {
  file: string;
  synchronous: "full" | "normal";
  busyTimeoutMs: number;
}

interface EntryRow {
  user: string;
  seq: number;
  kind: "mail" | "receipt";
  id: string;
  sender: string;
  recipient: string;
  ts: number;
  body: string | null;
  ref: string | null;
  status: "delivered" | "read" | null;
}

interface MailboxRow {
  last_seq: number;
  acked_seq: number;
  read_seq: number;
  mail_count: number;
}

/**
 * Mailboxes in an embedded SQLite database (WAL). Writes are group-committed per event-loop
 * turn; with `synchronous: full` a mail is on disk before its append resolves [DELIVERY-1].
 */
export class SqliteMessageStore implements MessageStore {
  private readonly db: Database;
  private readonly commits: GroupCommit;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly diskFault = testDiskFault();

  constructor(
    private readonly options: SqliteOptions,
    private readonly clock: () => number = Date.now,
  ) {
    try {
      // Mail is nobody else's business: 0700 and 0600 whatever the umask, the database made
      // before SQLite opens it (its -wal and -shm take its mode), older looser files tightened.
      makePrivateDir(dirname(options.file));
      makePrivateFile(options.file);
      for (const suffix of ["-wal", "-shm", "-journal"]) tightenPrivateFile(options.file + suffix);
      this.db = new BetterSqlite3(options.file, { timeout: options.busyTimeoutMs });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
      migrate(this.db);
      this.sql = prepare(this.db);
    } catch (error) {
      throw new StoreError(`cannot open the mailbox database ${options.file}: ${String(error)}`, {
        cause: error,
      });
    }
    this.commits = new GroupCommit(
      this.db,
      (error) =>
        new StoreError(`mailbox database write failed: ${String(error)}`, { cause: error }),
      (error) => error instanceof MailboxFullError,
    );
  }

  append(mail: NewMail): Promise<AppendResult> {
    return this.commits.write(() => {
      this.diskFault?.();
      return this.appendNow(mail);
    });
  }

  async readAfter(userId: string, afterSeq: number, limit: number): Promise<MailboxEntry[]> {
    const rows = this.read(() =>
      this.sql.readAfter.all(userId, afterSeq, this.clock() - this.options.ttlMs, limit),
    ) as EntryRow[];
    return rows.map(toEntry);
  }

  async position(userId: string): Promise<MailboxPosition> {
    const row = this.read(() => this.sql.mailbox.get(userId)) as MailboxRow | undefined;
    return { last: row?.last_seq ?? 0, acked: row?.acked_seq ?? 0, read: row?.read_seq ?? 0 };
  }

  ack(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): Promise<StoredReceipt[]> {
    return this.commits.write(() => {
      this.diskFault?.();
      return this.ackNow(userId, seq, status, now);
    });
  }

  expire(now: number): Promise<number> {
    return this.commits.write(() => {
      this.diskFault?.();
      const oldest = now - this.options.ttlMs;
      for (const row of this.sql.expiredMailCounts.all(oldest) as Array<{
        user: string;
        n: number;
      }>) {
        this.sql.addMailCount.run(-row.n, row.user);
      }
      const removed = this.sql.deleteExpired.run(oldest).changes;
      this.sql.deleteSentBefore.run(now - this.options.idempotencyWindowMs);
      return removed;
    });
  }

  async waitingMailboxes(): Promise<number> {
    return (this.read(() => this.sql.waitingMailboxes.get()) as { n: number }).n;
  }

  async close(): Promise<void> {
    this.commits.flush();
    this.db.close();
  }

  /**
   * Four statements for mail to a mailbox with room: the idempotency check, the mailbox's next
   * sequence (one upsert that also counts the mail), the entry, the idempotency key.
   */
  private appendNow(mail: NewMail): AppendResult {
    const fingerprint = mail.ref === undefined ? "" : mailFingerprint(mail);
    if (mail.ref !== undefined) {
      const earlier = this.sql.sentGet.get(
        mail.from,
        mail.ref,
        mail.ts - this.options.idempotencyWindowMs,
        fingerprint,
      ) as { mail_id: string; recipient: string; seq: number; ts: number } | undefined;
      if (earlier) {
        return {
          duplicate: true,
          accepted: {
            id: earlier.mail_id,
            to: earlier.recipient,
            seq: earlier.seq,
            ts: earlier.ts,
          },
        };
      }
    }
    let dropped = 0;
    let seq: number;
    const next = this.sql.nextMailSeq.get(mail.to, this.options.maxMessages) as
      | { last_seq: number }
      | undefined;
    if (next !== undefined) {
      seq = next.last_seq;
    } else {
      // The mailbox is full: evict, drop or refuse first.
      const box = this.mailboxRow(mail.to);
      dropped = this.makeRoom(mail.to, box);
      seq = box.last_seq + 1;
      this.sql.appendedMail.run(seq, mail.to);
    }
    const bodyJson = serializedBody(mail);
    this.sql.insertEntry.run(
      mail.to,
      seq,
      "mail",
      mail.id,
      mail.from,
      mail.to,
      mail.ts,
      bodyJson,
      mail.ref ?? null,
      null,
    );
    if (mail.ref !== undefined)
      this.sql.sentPut.run(mail.from, mail.ref, mail.id, mail.to, seq, mail.ts, fingerprint);
    const stored: StoredMail = { kind: "mail", ...mail, bodyJson, seq };
    return { duplicate: false, mail: stored, dropped };
  }

  private ackNow(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): StoredReceipt[] {
    const box = this.sql.mailbox.get(userId) as MailboxRow | undefined;
    if (!box) return [];
    const upTo = Math.min(seq, box.last_seq);
    const receipts: StoredReceipt[] = [];
    if (upTo > box.acked_seq) {
      this.receiptsFor(userId, box.acked_seq, upTo, "delivered", now, receipts);
      this.sql.setAcked.run(upTo, userId);
    }
    if (status === "read" && upTo > box.read_seq) {
      this.receiptsFor(userId, box.read_seq, upTo, "read", now, receipts);
      this.sql.setRead.run(upTo, userId);
    }
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
    for (const mail of this.sql.mailBetween.all(userId, after, upTo) as EntryRow[]) {
      const { last_seq: seq } = this.sql.nextSeq.get(mail.sender) as { last_seq: number };
      this.sql.insertEntry.run(
        mail.sender,
        seq,
        "receipt",
        mail.id,
        mail.sender,
        mail.recipient,
        now,
        null,
        mail.ref,
        status,
      );
      out.push({
        kind: "receipt",
        owner: mail.sender,
        seq,
        status,
        mailId: mail.id,
        to: mail.recipient,
        ts: now,
        ...(mail.ref === null ? {} : { ref: mail.ref }),
      });
    }
  }

  /**
   * Room in a full mailbox: acknowledged entries go first; then the oldest mail is dropped,
   * or the mail is refused. A refusal comes before anything is written (see GroupCommit).
   */
  private makeRoom(userId: string, box: MailboxRow): number {
    if (box.mail_count < this.options.maxMessages) return 0;
    const { n: evictable } = this.sql.countMailUpTo.get(userId, box.acked_seq) as { n: number };
    const full = box.mail_count - evictable >= this.options.maxMessages;
    if (full && this.options.overflow === "refuse")
      throw new MailboxFullError(userId, this.options.maxMessages);
    this.sql.deleteUpTo.run(userId, box.acked_seq);
    if (evictable > 0) this.sql.addMailCount.run(-evictable, userId);
    if (!full) return 0;
    const oldest = this.sql.oldestMail.get(userId) as { seq: number };
    this.sql.deleteEntry.run(userId, oldest.seq);
    this.sql.addMailCount.run(-1, userId);
    return 1;
  }

  private mailboxRow(userId: string): MailboxRow {
    const row = this.sql.mailbox.get(userId) as MailboxRow | undefined;
    if (row) return row;
    this.sql.createMailbox.run(userId);
    return { last_seq: 0, acked_seq: 0, read_seq: 0, mail_count: 0 };
  }

  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw new StoreError(`mailbox database read failed: ${String(error)}`, { cause: error });
    }
  }
}

function prepare(db: Database) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    mailbox: s("SELECT last_seq, acked_seq, read_seq, mail_count FROM mailboxes WHERE user = ?"),
    createMailbox: s("INSERT INTO mailboxes (user, last_seq) VALUES (?, 0)"),
    /** The mailbox's next sequence, the mailbox made if need be. */
    nextSeq: s(
      "INSERT INTO mailboxes (user, last_seq) VALUES (?, 1) ON CONFLICT (user) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
    ),
    /** The same for mail, counted; no row when the mailbox holds `?` mail already (full). */
    nextMailSeq: s(
      "INSERT INTO mailboxes (user, last_seq, mail_count) VALUES (?, 1, 1) ON CONFLICT (user) DO UPDATE SET last_seq = last_seq + 1, mail_count = mail_count + 1 WHERE mail_count < ? RETURNING last_seq",
    ),
    appendedMail: s(
      "UPDATE mailboxes SET last_seq = ?, mail_count = mail_count + 1 WHERE user = ?",
    ),
    setAcked: s("UPDATE mailboxes SET acked_seq = ? WHERE user = ?"),
    setRead: s("UPDATE mailboxes SET read_seq = ? WHERE user = ?"),
    addMailCount: s("UPDATE mailboxes SET mail_count = mail_count + ? WHERE user = ?"),
    insertEntry: s(
      "INSERT INTO entries (user, seq, kind, id, sender, recipient, ts, body, ref, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    readAfter: s(
      "SELECT * FROM entries WHERE user = ? AND seq > ? AND ts > ? ORDER BY seq LIMIT ?",
    ),
    mailBetween: s(
      "SELECT * FROM entries WHERE user = ? AND seq > ? AND seq <= ? AND kind = 'mail' ORDER BY seq",
    ),
    countMailUpTo: s(
      "SELECT count(*) AS n FROM entries WHERE user = ? AND seq <= ? AND kind = 'mail'",
    ),
    deleteUpTo: s("DELETE FROM entries WHERE user = ? AND seq <= ?"),
    oldestMail: s("SELECT seq FROM entries WHERE user = ? AND kind = 'mail' ORDER BY seq LIMIT 1"),
    deleteEntry: s("DELETE FROM entries WHERE user = ? AND seq = ?"),
    expiredMailCounts: s(
      "SELECT user, count(*) AS n FROM entries WHERE ts <= ? AND kind = 'mail' GROUP BY user",
    ),
    deleteExpired: s("DELETE FROM entries WHERE ts <= ?"),
    sentGet: s(
      "SELECT mail_id, recipient, seq, ts FROM sent WHERE sender = ? AND ref = ? AND ts > ? AND fingerprint = ?",
    ),
    sentPut: s(
      "INSERT OR REPLACE INTO sent (sender, ref, mail_id, recipient, seq, ts, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    deleteSentBefore: s("DELETE FROM sent WHERE ts <= ?"),
    waitingMailboxes: s("SELECT count(*) AS n FROM mailboxes WHERE last_seq > acked_seq"),
  };
}

/**
 * TEST ONLY (test/chaos/disk-trouble.test.ts): when POSTOFFICE_TEST_DISK_FAULT names a file,
 * every write fails while that file exists, as SQLite's writes fail on a disk that turned
 * read-only (`readonly`, the default) or is full (the file says `full`). A file system cannot
 * be remounted read-only under an open database, hence this hook. Unset, nothing is checked.
 */
function testDiskFault(): (() => void) | undefined {
  const file = process.env.POSTOFFICE_TEST_DISK_FAULT;
  if (!file) return undefined;
  return () => {
    let kind: string;
    try {
      kind = readFileSync(file, "utf8").trim();
    } catch {
      return; // No file: the disk is fine.
    }
    throw kind === "full"
      ? Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" })
      : Object.assign(new Error("attempt to write a readonly database"), {
          code: "SQLITE_READONLY",
        });
  };
}

function toEntry(row: EntryRow): MailboxEntry {
  if (row.kind === "mail") {
    const bodyJson = row.body ?? "{}";
    let body: JsonObject | undefined;
    return {
      kind: "mail",
      id: row.id,
      seq: row.seq,
      from: row.sender,
      to: row.recipient,
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
    status: row.status ?? "delivered",
    mailId: row.id,
    to: row.recipient,
    ts: row.ts,
    ...(row.ref === null ? {} : { ref: row.ref }),
  };
}
