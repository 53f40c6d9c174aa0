import { afterEach, describe, expect, it } from "vitest";
import { AuthError } from "../../src/server/auth/authenticator.js";
import { MemoryBroker } from "../../src/server/broker/memory-broker.js";
import { createNativeDialect } from "../../src/server/dialects/native/native-dialect.js";
import { LogThrottle } from "../../src/server/log/log-throttle.js";
import { createLogger } from "../../src/server/log/logger.js";
import { MemoryMessageStore } from "../../src/server/mailbox/memory-message-store.js";
import { NoMetrics } from "../../src/server/metrics/no-metrics.js";
import { LocalRooms } from "../../src/server/rooms/local-rooms.js";
import { MemoryPresence } from "../../src/server/rooms/memory-presence.js";
import { MemoryRoomLog } from "../../src/server/rooms/memory-room-log.js";
import { RoomRouter } from "../../src/server/router/room-router.js";
import { Router } from "../../src/server/router/router.js";
import { MemoryRoleDirectory } from "../../src/server/rules/role-directory.js";
import { SessionLifecycle } from "../../src/server/session/session-lifecycle.js";
import { SessionRegistry } from "../../src/server/session/session-registry.js";
import { dialectContext } from "../dialects/dialect-context.js";
import { sessionPairs } from "./session-harness.js";

const pairs = sessionPairs();
afterEach(() => pairs.close());

/** A node's lifecycle on in-memory backends. */
function lifecycle(): SessionLifecycle {
  const metrics = new NoMetrics();
  const broker = new MemoryBroker(() => undefined);
  const store = new MemoryMessageStore({
    maxMessages: 100,
    overflow: "refuse",
    ttlMs: 60_000,
    idempotencyWindowMs: 60_000,
  });
  return new SessionLifecycle(
    {
      registry: new SessionRegistry(broker),
      router: new Router(store, broker, metrics, () => undefined),
      rooms: new RoomRouter(
        broker,
        new MemoryPresence(),
        new MemoryRoomLog(),
        new LocalRooms(broker),
        [],
        { maxPerConnection: 10, maxMembers: 10 },
        metrics,
      ),
      directory: new MemoryRoleDirectory(),
      metrics,
      throttle: new LogThrottle(createLogger({ level: "silent", format: "json" })),
    },
    { maxSessionsPerUser: 0, authTimeoutMs: 10_000, version: "test", nodeId: "n", heartbeatMs: 0 },
  );
}

const refusal = new AuthError("token_unknown", "The token is not known.");

describe("a refused in-band auth", () => {
  it("ends a native session with the error, then 4401", async () => {
    const { session, received, closed } = await pairs.open(createNativeDialect(dialectContext()));
    lifecycle().refusedInBand(session, refusal, "a1");
    expect(await closed).toBe(4401);
    expect(received.map((text) => JSON.parse(text))).toEqual([
      {
        type: "error",
        ref: "a1",
        data: { code: "unauthorized", message: "The token is not known.", reason: "token_unknown" },
      },
    ]);
  });

  it("keeps the connection of a dialect that lets its clients try again", async () => {
    const dialect = { ...createNativeDialect(dialectContext()), authRefusal: "keep" as const };
    const { session, received } = await pairs.open(dialect);
    lifecycle().refusedInBand(session, refusal, "a1");
    await expect.poll(() => received.length).toBe(1);
    expect(JSON.parse(received[0] ?? "")).toMatchObject({
      ref: "a1",
      data: { code: "unauthorized" },
    });
    expect(session.isOpen).toBe(true);
  });
});
