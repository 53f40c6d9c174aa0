import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManagedProcess } from "./managed-process.js";

/** The tests' JWT secret: the harness signs its users' tokens with it. */
export const CHAOS_JWT_SECRET = "chaos-secret-that-is-long-enough-for-hs256";

export interface NodeSpec {
  name: string;
  /** dist/cli/main.js of the build under test. */
  cli: string;
  /** The node's own directory: its configuration file (and its data, with SQLite). */
  dir: string;
  port: number;
  /** Where the data goes: `<dir>/data` unless given (a small file system, say). */
  dataDir?: string;
  /** Top-level sections that replace the harness's (below: no rate limits, big mailboxes, a small outbound buffer). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
}

/**
 * `postoffice start` as a child process, as an operator runs it: a configuration file, the
 * port and host as flags, JSON logs; ready when it logs "postoffice is ready".
 */
export function postofficeNode(spec: NodeSpec): ManagedProcess {
  mkdirSync(spec.dir, { recursive: true });
  const config = {
    server: {
      dataDir: spec.dataDir ?? join(spec.dir, "data"),
      shutdown: { drainTimeoutMs: 5000, reconnectWindowMs: 100 },
    },
    // The clients send as fast as their window allows; rate limits (and senders' quotas) would
    // only slow the run.
    limits: {
      rate: { connection: { perSecond: 0 }, user: { perSecond: 0 }, message: { perSecond: 0 } },
      sender: { maxBytes: 0, maxNewMailboxes: 0 },
      // The smallest the schema allows (4 frames), so that a paused reader is cut soon (1013).
      maxFrameBytes: 16384,
      outboundBufferBytes: 65536,
    },
    // Nothing may be evicted or expired: the final read must find every mail.
    mailbox: { maxMessages: 10_000_000 },
    metrics: { processMetrics: false },
    ...spec.config,
  };
  const file = join(spec.dir, "postoffice.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return new ManagedProcess({
    name: spec.name,
    command: process.execPath,
    args: [spec.cli, "start", "--config", file, "--port", String(spec.port), "--host", "127.0.0.1"],
    cwd: spec.dir,
    env: {
      PATH: process.env.PATH ?? "",
      POSTOFFICE_LOG_FORMAT: "json",
      POSTOFFICE_LOG_LEVEL: "info",
      POSTOFFICE_JWT_SECRET: CHAOS_JWT_SECRET,
      ...spec.env,
    },
    isReady: (line) => line.includes('"msg":"postoffice is ready"'),
  });
}
