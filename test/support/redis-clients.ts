import { RedisClients, type RedisClientsOptions } from "../../src/server/compose/redis-clients.js";
import { createLogger } from "../../src/server/log/logger.js";

/**
 * The composition root's Redis connections, for tests that build a backend by hand: the same
 * policy as a node's, logs silent unless POSTOFFICE_TEST_LOG is set.
 */
export function redisClients(
  url: string,
  options: Partial<RedisClientsOptions> = {},
): RedisClients {
  const log = createLogger({
    level: process.env.POSTOFFICE_TEST_LOG ? "debug" : "silent",
    format: "json",
  });
  return new RedisClients({ url, log, ...options });
}
