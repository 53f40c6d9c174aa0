import { readFileSync } from "node:fs";

/**
 * TEST ONLY (test/chaos/disk-trouble.test.ts): when POSTOFFICE_TEST_DISK_FAULT names a file,
 * every write fails while that file exists, as SQLite's writes fail on a disk that turned
 * read-only (`readonly`, the default) or is full (the file says `full`). A file system cannot
 * be remounted read-only under an open database, hence this hook. Unset, nothing is checked.
 */
export function testDiskFault(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const file = env.POSTOFFICE_TEST_DISK_FAULT;
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
