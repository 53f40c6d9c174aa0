import { readFileSync } from "node:fs";

/** Where the fault strikes: the writes of a group commit, or the WAL sync after its commit. */
export interface DiskFault {
  /** Throws as SQLite's writes do on a bad disk, while the fault is on. */
  write(): void;
  /** The error the WAL sync fails with while the fault is on; undefined otherwise. */
  sync(): Error | undefined;
}

/**
 * TEST ONLY (test/chaos/disk-trouble.test.ts, test/delivery/store-faults.test.ts): when
 * POSTOFFICE_TEST_DISK_FAULT names a file, the SQLite store fails while that file exists, as
 * on a disk that turned read-only (the file says `readonly`, or nothing) or is full (`full`):
 * every write fails; or (`sync`) as on a disk whose flush fails: writes are committed, and the
 * WAL sync after them fails with EIO. A file system cannot be remounted read-only under an open
 * database, hence this hook. Unset, nothing is checked.
 */
export function testDiskFault(env: NodeJS.ProcessEnv = process.env): DiskFault | undefined {
  const file = env.POSTOFFICE_TEST_DISK_FAULT;
  if (!file) return undefined;
  const kind = (): string | undefined => {
    try {
      return readFileSync(file, "utf8").trim();
    } catch {
      return undefined; // No file: the disk is fine.
    }
  };
  return {
    write() {
      switch (kind()) {
        case undefined:
        case "sync":
          return;
        case "full":
          throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
        default:
          throw Object.assign(new Error("attempt to write a readonly database"), {
            code: "SQLITE_READONLY",
          });
      }
    },
    sync() {
      if (kind() !== "sync") return undefined;
      return Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    },
  };
}
