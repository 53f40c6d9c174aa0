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
