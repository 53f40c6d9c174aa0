import {
  chmodSync,
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
} from "node:fs";

/** The data directory: its owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Every file the server writes in it (mail, the development secret): its owner only. */
export const PRIVATE_FILE_MODE = 0o600;

// Group and other bits: what "looser than private" means.
const SHARED_BITS = 0o077;
const STICKY_BIT = 0o1000;

/** What `securePrivateDir` found, and what it did about it. */
export type DirPrivacy =
  | { state: "missing" }
  | { state: "private" }
  | { state: "tightened"; from: number }
  | { state: "loose"; mode: number; why: string };

/**
 * Creates `dir` and its missing parents with mode 0700, whatever the umask. An existing
 * directory is left to `securePrivateDir`, which the composition root calls and logs.
 */
export function makePrivateDir(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined) {
    // mkdir's mode passes through the umask; the directory must not depend on it.
    chmodSync(dir, PRIVATE_DIR_MODE);
  }
}

/**
 * Tightens an existing directory to 0700 when it is plainly the server's own: owned by the
 * server's user, not a shared directory (the sticky bit of /tmp), and holding nothing but what
 * `isOwnEntry` recognises. Otherwise it is left as it is and the answer says why: changing the
 * mode of a directory that others use (`/var/lib`, a home directory) could break them.
 */
export function securePrivateDir(dir: string, isOwnEntry: (name: string) => boolean): DirPrivacy {
  let mode: number;
  let owner: number;
  try {
    ({ mode, uid: owner } = statSync(dir));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { state: "missing" };
    throw error;
  }
  const permissions = mode & 0o7777;
  if ((permissions & SHARED_BITS) === 0) return { state: "private" };
  const loose = (why: string): DirPrivacy => ({ state: "loose", mode: permissions, why });
  if ((permissions & STICKY_BIT) !== 0) return loose("it is a shared directory (sticky bit)");
  if (process.getuid !== undefined && owner !== process.getuid()) {
    return loose(`it belongs to another user (uid ${owner})`);
  }
  const foreign = readdirSync(dir).find((name) => !isOwnEntry(name));
  if (foreign !== undefined) return loose(`it holds files that are not Postoffice's (${foreign})`);
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    return loose(`chmod failed (${String(errorCode(error))})`);
  }
  return { state: "tightened", from: permissions };
}

/**
 * Creates `file` empty with mode 0600 if it is missing (whatever the umask), or tightens it
 * to 0600 if it is looser. SQLite gives the -wal and -shm files it creates the mode of the
 * database file, so creating the database this way makes them private too.
 */
export function makePrivateFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, "wx", PRIVATE_FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    tightenPrivateFile(file);
    return;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Tightens `file` to 0600 if it exists with group or other bits. A missing file is fine, and
 * so is a read-only file system, where nothing can change it (an open file read-only is still
 * of use, and the data directory's mode is reported at start).
 */
export function tightenPrivateFile(file: string): void {
  let mode: number;
  try {
    ({ mode } = statSync(file));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  if ((mode & SHARED_BITS) === 0) return;
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== "EROFS") throw error;
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}
