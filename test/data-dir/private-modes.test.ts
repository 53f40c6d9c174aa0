import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateDevSecret } from "../../src/server/auth/dev-secret.js";
import { secureDataDir } from "../../src/server/compose/data-dir.js";
import { SqliteMessageStore } from "../../src/server/mailbox/sqlite-message-store.js";
import { startTestServer } from "../support/test-server.js";

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

function openStore(file: string): SqliteMessageStore {
  return new SqliteMessageStore({
    file,
    synchronous: "full",
    busyTimeoutMs: 50,
    maxMessages: 100,
    overflow: "refuse",
    ttlMs: 60_000,
    idempotencyWindowMs: 60_000,
  });
}

function recordingLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const record = (level: string) => (obj: object, msg: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, warn: record("warn"), info: record("info") };
}

describe("the data directory and its files", () => {
  let dir: string;
  let umask: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-modes-"));
    umask = process.umask();
  });
  afterEach(async () => {
    process.umask(umask);
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["000", 0o000],
    ["022", 0o022],
  ])(
    "creates the data directory 0700 and mailboxes.db, -wal and -shm 0600 under umask %s",
    async (_name, mask) => {
      process.umask(mask);
      const dataDir = join(dir, "data");
      const file = join(dataDir, "mailboxes.db");
      const store = openStore(file);
      await store.append({ id: "m1", from: "alice", to: "bob", ts: 1, body: { text: "hi" } });
      expect(modeOf(dataDir)).toBe(0o700);
      for (const name of ["mailboxes.db", "mailboxes.db-wal", "mailboxes.db-shm"]) {
        expect([name, modeOf(join(dataDir, name))]).toEqual([name, 0o600]);
      }
      await store.close();
    },
  );

  it("tightens an older mailboxes.db and its -wal and -shm that others could read", async () => {
    process.umask(0o022);
    const file = join(dir, "mailboxes.db");
    new BetterSqlite3(file).close();
    writeFileSync(`${file}-wal`, "");
    writeFileSync(`${file}-shm`, "");
    for (const suffix of ["", "-wal", "-shm"]) chmodSync(file + suffix, 0o644);
    const store = openStore(file);
    for (const suffix of ["", "-wal", "-shm"]) expect(modeOf(file + suffix)).toBe(0o600);
    await store.close();
  });

  it("creates the development secret 0600 in a 0700 directory under umask 000, and tightens an older one", async () => {
    process.umask(0o000);
    const dataDir = join(dir, "fresh");
    const created = await loadOrCreateDevSecret(dataDir);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(created.path)).toBe(0o600);

    chmodSync(created.path, 0o644);
    await loadOrCreateDevSecret(dataDir);
    expect(modeOf(created.path)).toBe(0o600);
  });

  describe("at start", () => {
    it("tightens a 0755 data directory that holds only Postoffice's files, and says so", () => {
      const dataDir = join(dir, "data");
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o755);
      for (const name of ["jwt-secret", "mail.db", "mail.db-wal", "jwt-secret.1.ab.tmp"]) {
        writeFileSync(join(dataDir, name), "", { mode: 0o600 });
      }
      const log = recordingLog();
      secureDataDir(dataDir, "mail.db", log);
      expect(modeOf(dataDir)).toBe(0o700);
      expect(log.lines).toEqual([
        expect.objectContaining({ level: "info", obj: { dataDir, from: "755", to: "700" } }),
      ]);
    });

    it("leaves a data directory that holds other files as it is, and warns naming one", () => {
      const dataDir = join(dir, "shared");
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o755);
      writeFileSync(join(dataDir, "mailboxes.db"), "");
      writeFileSync(join(dataDir, "notes.txt"), "");
      const log = recordingLog();
      secureDataDir(dataDir, "mailboxes.db", log);
      expect(modeOf(dataDir)).toBe(0o755);
      expect(log.lines).toEqual([
        expect.objectContaining({
          level: "warn",
          obj: expect.objectContaining({ mode: "755", why: expect.stringContaining("notes.txt") }),
          msg: expect.stringContaining(`chmod 700 ${dataDir}`),
        }),
      ]);
    });

    it("leaves a shared (sticky) directory as it is, and warns", () => {
      const dataDir = join(dir, "tmp-like");
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o1777);
      const log = recordingLog();
      secureDataDir(dataDir, "mailboxes.db", log);
      expect(modeOf(dataDir)).toBe(0o1777);
      expect(log.lines[0]).toMatchObject({
        level: "warn",
        obj: { why: expect.stringContaining("sticky") },
      });
    });

    it("says nothing about a private or missing data directory", () => {
      const log = recordingLog();
      secureDataDir(join(dir, "absent"), "mailboxes.db", log);
      mkdirSync(join(dir, "private"), { mode: 0o700 });
      secureDataDir(join(dir, "private"), "mailboxes.db", log);
      expect(log.lines).toEqual([]);
    });

    it("a server started on a 0755 data directory with a 0644 mailboxes.db runs with both private", async () => {
      process.umask(0o022);
      const dataDir = join(dir, "data");
      mkdirSync(dataDir, { mode: 0o755 });
      new BetterSqlite3(join(dataDir, "mailboxes.db")).close();
      chmodSync(join(dataDir, "mailboxes.db"), 0o644);
      const server = await startTestServer({}, { dir });
      try {
        expect(server.config.server.dataDir).toBe(dataDir);
        expect(server.config.mailbox.store).toBe("sqlite");
        expect(modeOf(dataDir)).toBe(0o700);
        expect(modeOf(join(dataDir, "mailboxes.db"))).toBe(0o600);
      } finally {
        await server.stop();
      }
    });
  });
});
