import {
  type CryptoKey,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
  SignJWT,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";
import { type LocalHttp, sendJson, startLocalHttp } from "./local-http.js";

interface Pair {
  publicJwk: JWK;
  privateKey: CryptoKey;
}

async function pair(alg = "RS256"): Promise<Pair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateKey };
}

function sign(key: Pair, header: { kid?: string; alg?: string }, claims = {}): Promise<string> {
  return new SignJWT({ sub: "alice", ...claims })
    .setProtectedHeader({ alg: "RS256", ...header })
    .sign(key.privateKey);
}

describe("JwtAuthenticator's key set: rotation, rate and bounds", () => {
  let k1: Pair;
  let k2: Pair;
  /** What the key set URL answers now. */
  let served: unknown;
  let jwks: LocalHttp;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([pair(), pair()]);
    jwks = await startLocalHttp((_req, res) => sendJson(res, 200, served));
  });
  afterAll(() => jwks.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const set = (...keys: Array<[Pair, string, Record<string, unknown>?]>) => ({
    keys: keys.map(([key, kid, extra]) => ({ ...key.publicJwk, kid, use: "sig", ...extra })),
  });
  const fetchesDuring = async (run: () => Promise<unknown>): Promise<number> => {
    const before = jwks.requests.length;
    await run();
    return jwks.requests.length - before;
  };

  it("refuses a remembered token once its key has rotated out of the set", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    served = set([k1, "k1"]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url, jwks: { maxAgeMs: 60_000 } });
    const token = await sign(k1, { kid: "k1" });
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
    expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });

    served = set([k2, "k2"]);
    vi.advanceTimersByTime(60_000);
    // The set is too old: the token waits for the new one, which lacks k1.
    expect(jwt.authenticateSync({ token })).toBeUndefined();
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
    expect(() => jwt.authenticateSync({ token })).toThrow(
      expect.objectContaining({ reason: "token_signature_invalid" }),
    );
  });

  it("fetches the set again for a key it lacks, at most once per cooldown", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    served = set([k1, "k1"]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url, jwks: { cooldownMs: 30_000 } });
    await jwt.authenticate({ token: await sign(k1, { kid: "k1" }) });

    vi.advanceTimersByTime(30_000);
    served = set([k1, "k1"], [k2, "k2"]);
    const rotated = await sign(k2, { kid: "k2" });
    expect(jwt.authenticateSync({ token: rotated })).toBeUndefined();
    expect(await fetchesDuring(() => jwt.authenticate({ token: rotated }))).toBe(1);
    expect(jwt.authenticateSync({ token: rotated })).toMatchObject({ userId: "alice" });

    // Made-up key ids within the cooldown are refused without a fetch.
    const made = await Promise.all(["x1", "x2", "x3"].map((kid) => sign(k2, { kid })));
    const fetches = await fetchesDuring(async () => {
      for (const token of made) {
        await expect(jwt.authenticate({ token })).rejects.toMatchObject({
          reason: "token_signature_invalid",
        });
      }
    });
    expect(fetches).toBe(0);
  });

  it("shares one fetch between the tokens that wait for it", async () => {
    served = set([k1, "k1"]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sign(k1, { kid: "k1" }, { n: i })),
    );
    const fetches = await fetchesDuring(() =>
      Promise.all(tokens.map((token) => jwt.authenticate({ token }))),
    );
    expect(fetches).toBe(1);
  });

  it("accepts a token without kid when one key of the set fits its alg", async () => {
    served = set([k1, "k1"]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
    await expect(jwt.authenticate({ token: await sign(k1, {}) })).resolves.toMatchObject({
      userId: "alice",
    });
  });

  it("holds a key to the alg its entry names", async () => {
    served = set([k1, "k1", { alg: "RS256" }]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
    // WebCrypto binds a private key to one algorithm: the same key, imported for PS256.
    const ps256 = await importPKCS8(await exportPKCS8(k1.privateKey), "PS256");
    const token = await sign({ ...k1, privateKey: ps256 }, { kid: "k1", alg: "PS256" });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
    await expect(jwt.authenticate({ token: await sign(k1, { kid: "k1" }) })).resolves.toBeDefined();
  });

  it("leaves out entries that are not signature keys", async () => {
    served = set([k1, "k1", { use: "enc" }]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url });
    await expect(jwt.authenticate({ token: await sign(k1, { kid: "k1" }) })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });

  it("says auth_unavailable for a key set longer than maxBytes", async () => {
    served = set([k1, "k1", { padding: "x".repeat(5_000) }]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url, jwks: { maxBytes: 4_096 } });
    await expect(jwt.authenticate({ token: await sign(k1, { kid: "k1" }) })).rejects.toMatchObject({
      reason: "auth_unavailable",
      message: expect.stringContaining("longer than 4096 bytes"),
    });
  });

  it("says auth_unavailable when the key set does not answer within timeoutMs", async () => {
    const silent = await startLocalHttp(() => {
      // Never answers: the fetch's deadline has to end it.
    });
    try {
      const jwt = new JwtAuthenticator({ jwksUrl: silent.url, jwks: { timeoutMs: 200 } });
      await expect(
        jwt.authenticate({ token: await sign(k1, { kid: "k1" }) }),
      ).rejects.toMatchObject({
        reason: "auth_unavailable",
        message: expect.stringContaining("timed out"),
      });
    } finally {
      await silent.close();
    }
  });

  it("after a failed fetch, refuses at once for failureBackoffMs, then tries again", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    let status = 500;
    const flaky = await startLocalHttp((_req, res) => sendJson(res, status, set([k1, "k1"])));
    try {
      const jwt = new JwtAuthenticator({ jwksUrl: flaky.url, jwks: { failureBackoffMs: 1_000 } });
      const token = await sign(k1, { kid: "k1" });
      await expect(jwt.authenticate({ token })).rejects.toMatchObject({
        reason: "auth_unavailable",
      });
      status = 200;
      await expect(jwt.authenticate({ token })).rejects.toMatchObject({
        reason: "auth_unavailable",
        retryAfterMs: expect.any(Number),
      });
      expect(flaky.requests).toHaveLength(1);
      vi.advanceTimersByTime(1_000);
      await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
      expect(flaky.requests).toHaveLength(2);
    } finally {
      await flaky.close();
    }
  });

  it("refreshes the set ahead of its expiry, so that known keys never wait", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    served = set([k1, "k1"]);
    const jwt = new JwtAuthenticator({ jwksUrl: jwks.url, jwks: { maxAgeMs: 10_000 } });
    const token = await sign(k1, { kid: "k1" });
    await jwt.authenticate({ token });
    const before = jwks.requests.length;
    vi.advanceTimersByTime(8_500);
    // Answered from memory, while a fetch starts behind it.
    expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });
    await vi.waitFor(() => expect(jwks.requests.length).toBe(before + 1));
    vi.advanceTimersByTime(2_000);
    await vi.waitFor(() =>
      expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" }),
    );
  });
});
