import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { ChainAuthenticator } from "../../src/server/auth/chain-authenticator.js";
import type { Dialect } from "../../src/server/dialects/dialect.js";
import { LogThrottle } from "../../src/server/log/log-throttle.js";
import { createLogger } from "../../src/server/log/logger.js";
import { NoMetrics } from "../../src/server/metrics/no-metrics.js";
import { type FrameHandler, Session } from "../../src/server/session/session.js";
import { UserRateLimits } from "../../src/server/session/user-rate-limits.js";
import { WriteBatcher } from "../../src/server/wire/write-batcher.js";

const OFF = { perSecond: 0, burst: 1 };

export interface SessionUnderTest {
  session: Session;
  /** What the session acknowledged for its dialect (acksOnWrite). */
  acks: Array<[string, number]>;
  /** Text frames the client received, in order. */
  received: string[];
  /** Resolves with the close code the client saw. */
  closed: Promise<number>;
}

/**
 * A Session on a real WebSocket on loopback, speaking `dialect`, and the client at the other
 * end. `close()` ends every pair made.
 */
export function sessionPairs() {
  const servers: WebSocketServer[] = [];
  const clients: WebSocket[] = [];

  async function open(dialect: Dialect, handle: FrameHandler = () => undefined) {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    servers.push(wss);
    await new Promise((resolve) => wss.once("listening", resolve));
    const acks: Array<[string, number]> = [];
    const accepted = new Promise<Session>((resolve) =>
      wss.once("connection", (ws, req) => {
        const log = createLogger({ level: "silent", format: "json" });
        const context = {
          dialect,
          authenticator: new ChainAuthenticator([]),
          batcher: new WriteBatcher(),
          metrics: new NoMetrics().connections(),
          handle,
          onTaskError: () => undefined,
          outboundLimit: 1 << 20,
          rate: { connection: OFF, user: OFF, message: OFF, closeAfterRefusals: 10 },
          userLimits: new UserRateLimits({ user: OFF, message: OFF }),
          throttle: new LogThrottle(log),
          acknowledge: (userId: string, seq: number) => acks.push([userId, seq]),
        };
        resolve(new Session(ws, req.socket, context, { readsNative: true }, {}));
      }),
    );
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    clients.push(client);
    const received: string[] = [];
    client.on("message", (data) => received.push(data.toString()));
    const closed = new Promise<number>((resolve) => client.once("close", resolve));
    await new Promise((resolve) => client.once("open", resolve));
    return { session: await accepted, acks, received, closed } satisfies SessionUnderTest;
  }

  async function close(): Promise<void> {
    for (const client of clients.splice(0)) client.terminate();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  }

  return { open, close };
}
