import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startRedis, type TestRedis } from "./redis-server.js";
import type { SeedClient } from "./seed-client.js";
import { connectAs, signToken, type TestClient } from "./test-client.js";
import { startTestServer, type TestServer } from "./test-server.js";

/**
 * Two nodes on one real redis-server (a fresh key prefix per pair) whose `server.path` speaks
 * `dialect`, for a seed's clients across a network. Call it inside a describe block: it starts
 * Redis once for the block, and stops the nodes and the clients pushed on `clients` after each
 * test. `config` is the rest of each node's configuration (endpoints, the dialect's section).
 */
export function dialectNetwork(dialect: string, config: Record<string, unknown> = {}) {
  let redis: TestRedis;
  const nodes: TestServer[] = [];
  const clients: Array<TestClient | SeedClient> = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const node of nodes.splice(0)) await node.stop();
  });

  async function twoNodes(): Promise<[TestServer, TestServer]> {
    const keyPrefix = `${dialect}-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          redis: { url: redis.url, keyPrefix },
          mailbox: { store: "redis" },
          server: { dialect, shutdown: { reconnectWindowMs: 100 } },
          ...config,
        }),
      );
    }
    return [nodes[0] as TestServer, nodes[1] as TestServer];
  }

  /** A native client of `node`, on the `/native` endpoint the suites configure beside the dialect. */
  async function nativeClient(node: TestServer, user: string): Promise<TestClient> {
    const url = `ws://127.0.0.1:${node.node.port}/native`;
    const client = await connectAs(url, await signToken({ sub: user }));
    clients.push(client);
    return client;
  }

  return { nodes, clients, twoNodes, nativeClient };
}
