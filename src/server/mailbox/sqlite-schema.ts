import type { Database } from "better-sqlite3";

/**
 * Schema migrations, applied in order at open; `PRAGMA user_version` records how many ran.
 * Append new ones; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE mailboxes (
    user       TEXT PRIMARY KEY,
    last_seq   INTEGER NOT NULL,
    acked_seq  INTEGER NOT NULL DEFAULT 0,
    read_seq   INTEGER NOT NULL DEFAULT 0,
    mail_count INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  -- One row per mail or receipt; kind 'mail' | 'receipt'.
  CREATE TABLE entries (
    user       TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    ts         INTEGER NOT NULL,
    body       TEXT,
    ref        TEXT,
    status     TEXT,
    PRIMARY KEY (user, seq)
  ) WITHOUT ROWID;
  CREATE INDEX entries_by_ts ON entries (ts);

  -- Idempotency keys: (sender, ref) of recent sends and what they were accepted as.
  CREATE TABLE sent (
    sender    TEXT    NOT NULL,
    ref       TEXT    NOT NULL,
    mail_id   TEXT    NOT NULL,
    recipient TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    fingerprint TEXT  NOT NULL,
    PRIMARY KEY (sender, ref)
  ) WITHOUT ROWID;
  CREATE INDEX sent_by_ts ON sent (ts);
  `,
  // 2: mailboxes as one append-only log. A mail or a receipt is one row, written by one INSERT;
  // a mailbox's last sequence and counts live in memory (SqliteMessageStore), so nothing else is
  // written per mail. `pos` orders the log by time of writing: the TTL sweep deletes a prefix.
  `
  CREATE TABLE log (
    pos         INTEGER PRIMARY KEY,
    user        TEXT    NOT NULL,          -- whose mailbox
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,          -- 'mail', or the receipt's status: 'delivered' | 'read'
    id          TEXT    NOT NULL,          -- the mail's id (a receipt's: the mail it is about)
    peer        TEXT    NOT NULL,          -- mail: its sender; receipt: who acknowledged the mail
    ts          INTEGER NOT NULL,
    body        TEXT,                      -- mail only
    ref         TEXT,
    fingerprint TEXT                       -- mail sent with a ref: its idempotency key is live
  );
  INSERT INTO log (user, seq, kind, id, peer, ts, body, ref)
    SELECT user, seq,
           CASE kind WHEN 'mail' THEN 'mail' ELSE coalesce(status, 'delivered') END, id,
           CASE kind WHEN 'mail' THEN sender ELSE recipient END, ts, body, ref
    FROM entries ORDER BY ts, user, seq;
  CREATE UNIQUE INDEX log_by_mailbox ON log (user, seq);
  CREATE INDEX log_by_key ON log (peer, ref) WHERE fingerprint IS NOT NULL;
  DROP TABLE entries;

  -- What the log does not say: acknowledged and read positions, and a floor for the last
  -- sequence (written when entries are deleted, so that no sequence is ever reused).
  ALTER TABLE mailboxes DROP COLUMN mail_count;

  -- Idempotency keys whose mail left the log (evicted, dropped, expired) within the window;
  -- keys of mail in the log are found through log_by_key. The newest key wins (by pos).
  ALTER TABLE sent ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
  `,
];

export function migrate(db: Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${version} is newer than this Postoffice knows (${MIGRATIONS.length}); upgrade Postoffice`,
    );
  }
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}
