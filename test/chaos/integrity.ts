import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";

/**
 * `PRAGMA integrity_check` of a node's mailbox database (`<dataDir>/mailboxes.db`), opened
 * read-only beside the node (WAL lets a reader in at any time). "ok" when sound.
 */
export function sqliteIntegrity(file: string): string {
  if (!existsSync(file)) return "ok (no database yet)";
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma("integrity_check") as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

/** `redis-check-aof` of a stopped redis-server's AOF (Redis 7: the manifest in appendonlydir). */
export async function redisAofIntegrity(redisDir: string): Promise<string> {
  const manifest = join(redisDir, "appendonlydir", "appendonly.aof.manifest");
  if (!existsSync(manifest)) return "ok (no AOF yet)";
  try {
    const { stdout } = await promisify(execFile)("redis-check-aof", [manifest]);
    return /is valid/i.test(stdout) ? "ok" : stdout.trim();
  } catch (error) {
    return `redis-check-aof failed: ${(error as Error).message}`;
  }
}
