import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { makePrivateDir, makePrivateFile, tightenPrivateFile } from "../data-dir/private-modes.js";
import { type KnownUsers, RecentUsers } from "./known-users.js";

/** The file beside the mailboxes, in the data directory: its own, so it never waits on their commits. */
export const KNOWN_USERS_FILE = "known-users.db";

/**
 * Known users in a small SQLite file of their own, kept across restarts like the mail of the
 * SQLite store. A user is written once (at the first authentication this process sees) and
 * read once (at the first mail to them this process sees); both are remembered in memory,
 * up to a bound. Losing the last few users to a power cut costs their correspondents one
 * `unknown_recipient` until they connect again: the file is synced as `normal`, not `full`.
 */
export class SqliteKnownUsers implements KnownUsers {
  readonly #db: Database;
  readonly #insert: Statement<[string]>;
  readonly #select: Statement<[string]>;
  readonly #recent = new RecentUsers();

  constructor(file: string) {
    makePrivateDir(dirname(file));
    makePrivateFile(file);
    for (const suffix of ["-wal", "-shm", "-journal"]) tightenPrivateFile(file + suffix);
    this.#db = new BetterSqlite3(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = NORMAL");
    this.#db.exec("CREATE TABLE IF NOT EXISTS known_users (user TEXT PRIMARY KEY) WITHOUT ROWID");
    this.#insert = this.#db.prepare("INSERT OR IGNORE INTO known_users (user) VALUES (?)");
    this.#select = this.#db.prepare("SELECT 1 FROM known_users WHERE user = ?");
  }

  remember(userId: string): void {
    if (this.#recent.has(userId)) return;
    this.#insert.run(userId);
    this.#recent.add(userId);
  }

  has(userId: string): boolean {
    if (this.#recent.has(userId)) return true;
    const found = this.#select.get(userId) !== undefined;
    if (found) this.#recent.add(userId);
    return found;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
