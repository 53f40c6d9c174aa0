import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { Dialect } from "../../src/server/dialects/dialect.js";
import { createNativeDialect } from "../../src/server/dialects/native/native-dialect.js";
import { LogThrottle } from "../../src/server/log/log-throttle.js";
import { createLogger } from "../../src/server/log/logger.js";
import { Metrics } from "../../src/server/metrics/metrics.js";
import { Session } from "../../src/server/session/session.js";
import { UserRateLimits } from "../../src/server/session/user-rate-limits.js";
import { WrittenAcks } from "../../src/server/session/written-acks.js";
import { WriteBatcher } from "../../src/server/wire/write-batcher.js";
import { dialectContext } from "../dialects/dialect-context.js";

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const OFF = { perSecond: 0, burst: 1 };

/** A session on a real WebSocket, whose dialect is `dialect`; `acks` records what it acknowledged. */
async function sessionOf(dialect: Dialect) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(wss);
  await new Promise((resolve) => wss.once("listening", resolve));
  const acks: Array<[string, number]> = [];
  const accepted = new Promise<Session>((resolve) =>
    wss.once("connection", (ws, req) => {
      const log = createLogger({ level: "silent", format: "json" });
      const session = new Session(
        ws,
        req.socket,
        {
          dialect,
          batcher: new WriteBatcher(),
          metrics: new Metrics({ processMetrics: false }),
          handle: () => undefined,
          onTaskError: () => undefined,
          outboundLimit: 1 << 20,
          rate: { connection: OFF, user: OFF, message: OFF, closeAfterRefusals: 10 },
          userLimits: new UserRateLimits({ user: OFF, message: OFF }),
          throttle: new LogThrottle(log),
          acknowledge: (userId, seq) => acks.push([userId, seq]),
        },
        { readsNative: true },
      );
      session.bind({ userId: "bob", roles: [], claims: {}, anonymous: false });
      resolve(session);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  clients.push(client);
  const received: string[] = [];
  client.on("message", (data) => received.push(data.toString()));
  await new Promise((resolve) => client.once("open", resolve));
  return { session: await accepted, acks, received, client };
}

const mail = (seq: number) => JSON.stringify({ type: "message", data: { seq } });

describe("mail acknowledged once written, for dialects whose clients never ack", () => {
  it("acknowledges each mailbox entry the session writes, when its dialect says so", async () => {
    const dialect = { ...createNativeDialect(dialectContext()), acksOnWrite: true };
    const { session, acks, received } = await sessionOf(dialect);
    session.deliverMail(1, mail(1));
    session.deliverMail(2, mail(2));
    expect(acks).toEqual([
      ["bob", 1],
      ["bob", 2],
    ]);
    await expect.poll(() => received).toEqual([mail(1), mail(2)]);
  });

  it("leaves acknowledging to the client in the native dialect", async () => {
    const { session, acks, received } = await sessionOf(createNativeDialect(dialectContext()));
    session.deliverMail(1, mail(1));
    await expect.poll(() => received).toEqual([mail(1)]);
    expect(acks).toEqual([]);
  });

  it("acknowledges nothing that could not be written", async () => {
    const dialect = { ...createNativeDialect(dialectContext()), acksOnWrite: true };
    const { session, acks } = await sessionOf(dialect);
    session.close(1000, "bye");
    session.deliverMail(1, mail(1));
    expect(acks).toEqual([]);
  });
});

describe("WrittenAcks", () => {
  it("acknowledges the highest sequence written per user, once per event-loop turn", async () => {
    const made: Array<[string, number]> = [];
    const failed: string[] = [];
    const acks = new WrittenAcks(
      async (userId, seq) => {
        made.push([userId, seq]);
        if (userId === "eve") throw new Error("store down");
      },
      (_error, userId) => failed.push(userId),
    );
    for (const seq of [3, 5, 4]) acks.written("bob", seq);
    acks.written("ann", 1);
    acks.written("eve", 7);
    expect(made).toEqual([]);
    await settle();
    expect(made).toEqual([
      ["bob", 5],
      ["ann", 1],
      ["eve", 7],
    ]);
    expect(failed).toEqual(["eve"]);
    acks.written("bob", 6);
    await settle();
    expect(made.at(-1)).toEqual(["bob", 6]);
  });
});
