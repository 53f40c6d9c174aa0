import { createServerApi } from "../../src/server/api/server-api.js";
import { LogThrottle } from "../../src/server/log/log-throttle.js";
import { createLogger } from "../../src/server/log/logger.js";

/** The routes the node builds, from the function it builds them with. */
export function nodeRoutes() {
  const never = () => {
    throw new Error("not called");
  };
  const log = createLogger({ level: "silent", format: "json" });
  return createServerApi(
    {
      intake: { publish: never },
      events: { run: never },
      presence: { members: never, sessionCount: never },
      roomLog: { after: never, position: never },
      mailboxes: { position: never, readAfter: never },
      sessions: { sessionsOf: never, disconnect: never },
      nodeId: "n",
      ready: () => true,
      log,
      throttle: new LogThrottle(log),
    },
    {
      keys: [],
      rate: { perSecond: 0, burst: 1 },
      maxBodyBytes: 1024,
      maxBatchItems: 100,
      version: "0",
    },
  ).routes;
}
