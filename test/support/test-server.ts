import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Config } from "../../src/server/config/config.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { createLogger } from "../../src/server/log/logger.js";
import { PostofficeNode } from "../../src/server/node.js";

export const JWT_SECRET = "test-secret-that-is-long-enough-for-hs256";

/** The `limits` section that turns every rate limit off: for tests that send bursts. */
export const NO_RATE_LIMITS = {
  rate: { connection: { perSecond: 0 }, user: { perSecond: 0 }, message: { perSecond: 0 } },
};

export interface TestServer {
  node: PostofficeNode;
  config: Config;
  url: string;
  httpUrl: string;
  dir: string;
  stop(): Promise<void>;
  halt(): Promise<void>;
}

/**
 * A real node on 127.0.0.1, port 0, from a YAML file written to a fresh temp dir, loaded the
 * way `postoffice start` loads it. Logs are silent unless POSTOFFICE_TEST_LOG is set.
 */
export async function startTestServer(
  overrides: Record<string, unknown> = {},
  reuse?: { dir: string },
): Promise<TestServer> {
  const dir = reuse?.dir ?? (await mkdtemp(join(tmpdir(), "postoffice-test-")));
  const file = join(dir, "postoffice.yaml");
  const base = {
    server: { host: "127.0.0.1", port: 0, dataDir: join(dir, "data") },
    auth: {
      jwt: { secret: JWT_SECRET },
      tokens: [
        { token: "alice-static-token", user: "alice", roles: ["admin"] },
        { token: "bob-static-token", user: "bob", roles: [] },
      ],
    },
    metrics: { processMetrics: false },
    // Most tests send bursts; the rate-limit tests set their own limits.
    limits: NO_RATE_LIMITS,
  };
  await writeFile(file, stringify(deepMerge(base, overrides)));
  const { config } = await loadConfig({ cwd: dir, env: {}, flags: { config: file } });
  const log = createLogger({
    level: process.env.POSTOFFICE_TEST_LOG ? "debug" : "silent",
    format: "json",
  });
  const node = await PostofficeNode.start(config, log);
  return {
    node,
    config,
    url: `ws://127.0.0.1:${node.port}${config.server.path}`,
    httpUrl: `http://127.0.0.1:${node.port}`,
    dir,
    async stop() {
      await node.drain();
      await rm(dir, { recursive: true, force: true });
    },
    /** Stops the node but keeps its data directory, to start another on it. */
    async halt() {
      await node.drain();
    },
  };
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
