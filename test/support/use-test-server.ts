import { afterEach } from "vitest";
import { connectAs, signToken, TestClient } from "./test-client.js";
import { startTestServer, type TestServer } from "./test-server.js";

export interface UseTestServer {
  /** The server of the running test (the last one started); throws if none was started. */
  readonly server: TestServer;
  /** Starts a server (see `startTestServer`); it is stopped after the test. */
  start(overrides?: Record<string, unknown>, reuse?: { dir: string }): Promise<TestServer>;
  /** Connects `user` (a JWT with these roles, if given) and resolves after `welcome`. */
  connect(user: string, roles?: string[]): Promise<TestClient>;
  /** Terminates this client after the test. */
  track<T extends TestClient>(client: T): T;
}

/**
 * The server and the raw clients of one test file: call it inside `describe`; it registers an
 * `afterEach` that terminates every tracked client, then stops the server. `connect` sends the
 * token in a first `auth` frame, or with `{ token: "query" }` in `?token=`.
 */
export function useTestServer(options: { token?: "frame" | "query" } = {}): UseTestServer {
  let current: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await current?.stop();
    current = undefined;
  });
  const track = <T extends TestClient>(client: T): T => {
    clients.push(client);
    return client;
  };
  const server = (): TestServer => {
    if (!current) throw new Error("no server: call start() first");
    return current;
  };
  return {
    get server() {
      return server();
    },
    async start(overrides = {}, reuse) {
      current = await startTestServer(overrides, reuse);
      return current;
    },
    async connect(user, roles) {
      const url = server().url;
      const token = await signToken(roles ? { sub: user, roles } : { sub: user });
      if (options.token !== "query") return track(await connectAs(url, token));
      const client = track(new TestClient(`${url}?token=${token}`));
      await client.nextOfType("welcome");
      return client;
    },
    track,
  };
}
