import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacKey, JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";

describe("JwtAuthenticator with a JWKS URL", () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksServer: LocalHttp;

  beforeAll(async () => {
    keys = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwksServer = await startLocalHttp((_req, res) => sendJson(res, 200, { keys: [jwk] }));
  });
  afterAll(() => jwksServer.close());

  const signRs256 = (kid: string) =>
    new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "RS256", kid }).sign(keys.privateKey);

  it("accepts a token signed by a key of the set", async () => {
    const jwt = new JwtAuthenticator({ jwksUrl: jwksServer.url });
    await expect(jwt.authenticate({ token: await signRs256("k1") })).resolves.toMatchObject({
      userId: "alice",
    });
  });

  it("refuses a token whose key is not in the set as a bad signature", async () => {
    const jwt = new JwtAuthenticator({ jwksUrl: jwksServer.url });
    await expect(jwt.authenticate({ token: await signRs256("k2") })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });

  it("refuses HS256 tokens: a key set never holds shared secrets", async () => {
    const jwt = new JwtAuthenticator({ jwksUrl: jwksServer.url });
    const token = await new SignJWT({ sub: "mallory" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(hmacKey("guess"));
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_algorithm_forbidden",
    });
  });

  it("says auth_unavailable when the key set answers 500", async () => {
    const broken = await startLocalHttp((_req, res) => sendJson(res, 500, { error: "down" }));
    try {
      const jwt = new JwtAuthenticator({ jwksUrl: broken.url });
      await expect(jwt.authenticate({ token: await signRs256("k1") })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
    } finally {
      await broken.close();
    }
  });

  it("says auth_unavailable when the key set cannot be reached", async () => {
    const gone = await startLocalHttp((_req, res) => sendJson(res, 200, { keys: [] }));
    await gone.close();
    const jwt = new JwtAuthenticator({ jwksUrl: gone.url });
    await expect(jwt.authenticate({ token: await signRs256("k1") })).rejects.toMatchObject({
      reason: "auth_unavailable",
    });
  });
});
