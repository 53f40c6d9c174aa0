import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthWarnings } from "../../src/server/auth/auth-warnings.js";
import { AuthError, type Authenticator } from "../../src/server/auth/authenticator.js";
import { ChainAuthenticator } from "../../src/server/auth/chain-authenticator.js";
import { hmacKey, JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";
import { LoggedAuthenticator } from "../../src/server/auth/logged-authenticator.js";
import { StaticTokenAuthenticator } from "../../src/server/auth/static-token-authenticator.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";

const secret = "a-shared-secret-of-at-least-thirty-two-bytes";

const sign = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(hmacKey(secret));

/** An authenticator that can only answer with I/O, as the webhook. */
function asking(userId: string): Authenticator & { calls: number } {
  const auth = {
    calls: 0,
    async authenticate() {
      auth.calls += 1;
      return { userId, roles: [], claims: {}, anonymous: false };
    },
  };
  return auth;
}

function recordingWarnings(): AuthWarnings & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    warn(key: string) {
      keys.push(key);
    },
  };
}

describe("authenticateSync", () => {
  it("answers a JWT signed with a secret at once, with the identity authenticate gives", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const token = await sign({ sub: "alice", roles: ["admin"] });
    const now = jwt.authenticateSync({ token });
    expect(now).toMatchObject({ userId: "alice", roles: ["admin"] });
    await expect(jwt.authenticate({ token })).resolves.toEqual(now);
  });

  it("throws the refusal authenticate rejects with", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const token = await sign({ sub: "alice", exp: Math.floor(Date.now() / 1000) - 60 });
    expect(() => jwt.authenticateSync({ token })).toThrow(AuthError);
    expect(() => jwt.authenticateSync({ token })).toThrow(
      expect.objectContaining({ reason: "token_expired" }),
    );
    expect(() => jwt.authenticateSync({ token: "opaque" })).toThrow(
      expect.objectContaining({ reason: "token_unknown" }),
    );
  });

  describe("with a key set", () => {
    let jwks: LocalHttp;
    let token: string;

    beforeAll(async () => {
      const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
      jwks = await startLocalHttp((_req, res) => sendJson(res, 200, { keys: [jwk] }));
      token = await new SignJWT({ sub: "alice" })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .sign(privateKey);
    });
    afterAll(() => jwks.close());

    it("says undefined until the set is fetched, and fetches nothing itself", async () => {
      const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
      const before = jwks.requests.length;
      expect(jwt.authenticateSync({ token })).toBeUndefined();
      expect(jwks.requests.length).toBe(before);
      await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
      expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });
    });

    it("refuses an algorithm the set cannot hold without waiting for the set", async () => {
      const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
      const hs256 = await sign({ sub: "x" });
      expect(() => jwt.authenticateSync({ token: hs256 })).toThrow(
        expect.objectContaining({ reason: "token_algorithm_forbidden" }),
      );
    });
  });

  describe("through a chain", () => {
    it("answers at once when every authenticator before the verdict can", async () => {
      const jwt = new JwtAuthenticator({ secret });
      const statics = new StaticTokenAuthenticator([
        { token: "static-token", user: "svc", roles: [] },
      ]);
      const webhook = asking("hooked");
      const chain = new ChainAuthenticator([statics, jwt, webhook]);
      expect(chain.authenticateSync({ token: "static-token" })).toMatchObject({ userId: "svc" });
      expect(chain.authenticateSync({ token: await sign({ sub: "alice" }) })).toMatchObject({
        userId: "alice",
      });
      const early = await sign({ nbf: 1e10, sub: "a" });
      expect(() => chain.authenticateSync({ token: early })).toThrow(
        expect.objectContaining({ reason: "token_not_yet_valid" }),
      );
      expect(() => chain.authenticateSync({ token: "" })).toThrow(
        expect.objectContaining({ reason: "token_missing" }),
      );
      expect(webhook.calls).toBe(0);
    });

    it("says undefined when an authenticator needs I/O, and authenticate asks only that one on", async () => {
      const webhook = asking("hooked");
      const chain = new ChainAuthenticator([new JwtAuthenticator({ secret }), webhook]);
      expect(chain.authenticateSync({ token: "opaque-token" })).toBeUndefined();
      expect(webhook.calls).toBe(0);
      await expect(chain.authenticate({ token: "opaque-token" })).resolves.toMatchObject({
        userId: "hooked",
      });
      expect(webhook.calls).toBe(1);
    });

    it("refuses with token_unknown when nobody knows the token", () => {
      const chain = new ChainAuthenticator([new JwtAuthenticator({ secret })]);
      expect(() => chain.authenticateSync({ token: "opaque-token" })).toThrow(
        expect.objectContaining({ reason: "token_unknown" }),
      );
    });

    it("logs an unavailable verdict reached at once, as authenticate would", () => {
      const warnings = recordingWarnings();
      const broken: Authenticator = {
        authenticate: () => Promise.reject(new Error("unreachable")),
        authenticateSync() {
          throw new AuthError("auth_unavailable", "the key store is down");
        },
      };
      const chain = new ChainAuthenticator([new LoggedAuthenticator("jwt", broken, warnings)]);
      expect(() => chain.authenticateSync({ token: "t" })).toThrow(
        expect.objectContaining({ reason: "auth_unavailable" }),
      );
      expect(warnings.keys).toEqual(["auth_unavailable:jwt"]);
    });
  });
});
