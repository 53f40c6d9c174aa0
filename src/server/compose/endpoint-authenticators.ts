import type { Authenticator } from "../auth/authenticator.js";
import type { AuthConfig, Config } from "../config/config.js";
import { type AuthLog, buildAuthenticator } from "./authenticator.js";

/**
 * The authenticators of each `endpoints[]` entry that has its own `auth`, by index (undefined
 * where it has none: it uses those of `auth`). Built as `auth`'s are, from its tokens, JWT and
 * webhook; the other keys of `auth` (timeout, where tokens travel, anonymous mode) are the node's.
 */
export async function buildEndpointAuthenticators(
  config: Config,
  log: AuthLog,
): Promise<(Authenticator | undefined)[]> {
  const built: (Authenticator | undefined)[] = [];
  for (const { auth } of config.endpoints) {
    if (auth === undefined) {
      built.push(undefined);
      continue;
    }
    const own: AuthConfig = {
      ...config.auth,
      tokens: auth.tokens,
      jwt: auth.jwt,
      webhook: auth.webhook,
    };
    built.push((await buildAuthenticator(own, config.server.dataDir, log)).authenticator);
  }
  return built;
}
