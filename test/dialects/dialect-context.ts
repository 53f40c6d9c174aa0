import { StaticTokenAuthenticator } from "../../src/server/auth/static-token-authenticator.js";
import type { DialectContext, HandshakeRequest } from "../../src/server/dialects/dialect.js";
import { createLogger } from "../../src/server/log/logger.js";

/** What the composition root gives a dialect, with one static token: `ann-token` is ann. */
export function dialectContext(overrides: Partial<DialectContext> = {}): DialectContext {
  return {
    authenticator: new StaticTokenAuthenticator([
      { token: "ann-token", user: "ann", roles: ["admin"] },
    ]),
    log: createLogger({ level: "silent", format: "json" }),
    anonymous: true,
    tokens: { queryParam: "token", cookieName: "session-token" },
    limits: { maxDepth: 8, maxStringLength: 100 },
    broadcast: { room: "chat" },
    amqpchat: { authHeader: undefined, chatQueue: undefined },
    gopostoffice: {
      trustClientId: false,
      receipts: false,
      errors: false,
      oneConnectionPerClient: true,
    },
    permissionNames: [],
    ...overrides,
  };
}

export function handshake(
  url: string,
  headers: HandshakeRequest["headers"] = {},
): HandshakeRequest {
  return { url, headers };
}
