import { randomBytes } from "node:crypto";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makePrivateDir, tightenPrivateFile } from "../data-dir/private-modes.js";

/** File name of the development HS256 secret inside the data directory. */
export const DEV_SECRET_FILE = "jwt-secret";

export interface DevSecret {
  /** The secret as written in the file; its UTF-8 bytes are the HMAC key (see `hmacKey`). */
  secret: string;
  path: string;
  /** True when this call wrote the file. */
  created: boolean;
}

/**
 * The HS256 secret used when no authentication is configured, so that zero configuration
 * still means an authenticated server. `postoffice token` signs with the same file.
 */
export async function loadOrCreateDevSecret(dataDir: string): Promise<DevSecret> {
  const path = join(dataDir, DEV_SECRET_FILE);
  const existing = await readSecret(path);
  if (existing !== undefined) {
    // A secret others can read lets them mint tokens: an older, looser file is tightened.
    tightenPrivateFile(path);
    return { secret: existing, path, created: false };
  }

  makePrivateDir(dataDir);
  const secret = randomBytes(32).toString("base64url");
  if (!(await publish(path, secret))) {
    const winner = await readSecret(path);
    if (winner === undefined) throw new Error(`${path}: vanished while being created`);
    return { secret: winner, path, created: false };
  }
  return { secret, path, created: true };
}

/**
 * Writes the secret aside, then links it into place: link() fails if the name exists, so two
 * nodes starting on one data directory agree on one secret, and no reader sees half a file.
 * Returns false when another process got there first.
 */
async function publish(path: string, secret: string): Promise<boolean> {
  const draft = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(draft, secret, { mode: 0o600, flag: "wx" });
  try {
    await link(draft, path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP") throw error;
  } finally {
    await unlink(draft);
  }
  // Some mounted volumes have no hard links; exclusive create is the next best thing.
  try {
    await writeFile(path, secret, { mode: 0o600, flag: "wx" });
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

async function readSecret(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  // Trimmed so that a hand-edited file with a trailing newline keeps working.
  const secret = text.trim();
  if (secret === "") throw new Error(`${path}: the development JWT secret file is empty`);
  return secret;
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}
