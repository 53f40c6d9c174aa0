import { execFile } from "node:child_process";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Something that goes wrong with a node's disk, and then right again. */
export interface DiskFault {
  /** For the report: how the fault is made. */
  readonly how: string;
  engage(): Promise<void>;
  release(): Promise<void>;
}

/** The variable that turns on the SQLite store's test-only fault hook (sqlite-message-store.ts). */
export const DISK_FAULT_VARIABLE = "POSTOFFICE_TEST_DISK_FAULT";

/**
 * A real full disk: a small tmpfs (mounting needs root, as in CI) that `engage` fills with a
 * file up to ENOSPC and `release` empties again.
 */
export class TmpfsDisk implements DiskFault {
  readonly how = "a tmpfs filled up to ENOSPC";
  private readonly filler: string;

  private constructor(readonly path: string) {
    this.filler = join(path, "filler");
  }

  /** Mounts one at `path`; undefined when this machine does not let us mount. */
  static async mount(path: string, sizeBytes: number): Promise<TmpfsDisk | undefined> {
    await mkdir(path, { recursive: true });
    try {
      await run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", path]);
    } catch {
      return undefined;
    }
    return new TmpfsDisk(path);
  }

  async engage(): Promise<void> {
    const file = await open(this.filler, "w");
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) await file.write(chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    } finally {
      await file.close();
    }
  }

  async release(): Promise<void> {
    await rm(this.filler, { force: true });
  }

  async unmount(): Promise<void> {
    await run("umount", [this.path]).catch(() => run("umount", ["-l", this.path]));
  }
}

/**
 * The store's fault hook: while the file named by POSTOFFICE_TEST_DISK_FAULT exists, every
 * write of the SQLite store fails as on a read-only (or full) disk. Used for the read-only
 * data directory, since Linux refuses to remount a file system read-only under a file open
 * for writing, and for the full disk where mounting is not allowed.
 */
export class HookFault implements DiskFault {
  readonly how: string;

  constructor(
    readonly file: string,
    private readonly kind: "readonly" | "full",
  ) {
    this.how = `the store's test hook (${kind})`;
  }

  async engage(): Promise<void> {
    await writeFile(this.file, this.kind);
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
