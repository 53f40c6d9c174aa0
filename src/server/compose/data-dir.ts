import { basename, dirname, resolve } from "node:path";
import { DEV_SECRET_FILE } from "../auth/dev-secret.js";
import { securePrivateDir } from "../data-dir/private-modes.js";
import { KNOWN_USERS_FILE } from "../users/sqlite-known-users.js";

/** The two log levels this needs; a pino logger fits. */
export interface DataDirLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Once at start: the data directory should be 0700 (its files are 0600 whatever happens). A
 * looser one is tightened when it holds only Postoffice's files, and otherwise named in a
 * warning with the reason it was left alone.
 */
export function secureDataDir(dataDir: string, sqliteFile: string, log: DataDirLog): void {
  const database = resolve(dataDir, sqliteFile);
  const databaseName = dirname(database) === resolve(dataDir) ? basename(database) : undefined;
  const isOwnEntry = (name: string): boolean =>
    name === DEV_SECRET_FILE ||
    (name.startsWith(`${DEV_SECRET_FILE}.`) && name.endsWith(".tmp")) ||
    [databaseName, KNOWN_USERS_FILE].some(
      (file) =>
        file !== undefined &&
        ["", "-wal", "-shm", "-journal"].some((suffix) => name === file + suffix),
    );
  const privacy = securePrivateDir(dataDir, isOwnEntry);
  switch (privacy.state) {
    case "missing":
    case "private":
      return;
    case "tightened":
      log.info(
        { dataDir, from: octal(privacy.from), to: "700" },
        "the data directory was open to other users: tightened to 700",
      );
      return;
    case "loose":
      log.warn(
        { dataDir, mode: octal(privacy.mode), why: privacy.why },
        `the data directory is open to other users and was left as it is because ${privacy.why}: its files are 600, but give Postoffice a directory of its own with mode 700 (chmod 700 ${dataDir})`,
      );
      return;
    default: {
      const unknown: never = privacy;
      throw new Error(`unknown privacy ${JSON.stringify(unknown)}`);
    }
  }
}

function octal(mode: number): string {
  return mode.toString(8);
}
