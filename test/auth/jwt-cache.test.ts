import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hmacKey, JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";

const secret = "a-shared-secret-of-at-least-thirty-two-bytes";
const nowSec = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, alg = "HS256"): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(hmacKey(secret));
}

describe("JwtAuthenticator's cache of verified tokens", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses a remembered token once its exp and the leeway have passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const jwt = new JwtAuthenticator({ secret, cacheSize: 100, clockToleranceSec: 5 });
    const token = await sign({ sub: "alice", exp: nowSec() + 60 });
    expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });
    vi.advanceTimersByTime(60_000);
    expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });
    vi.advanceTimersByTime(6_000);
    expect(() => jwt.authenticateSync({ token })).toThrow(
      expect.objectContaining({ reason: "token_expired" }),
    );
  });

  it("accepts a token refused as not valid yet once its nbf comes: that refusal is not remembered", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const jwt = new JwtAuthenticator({ secret, cacheSize: 100, clockToleranceSec: 0 });
    const token = await sign({ sub: "alice", nbf: nowSec() + 60 });
    expect(() => jwt.authenticateSync({ token })).toThrow(
      expect.objectContaining({ reason: "token_not_yet_valid" }),
    );
    vi.advanceTimersByTime(61_000);
    expect(jwt.authenticateSync({ token })).toMatchObject({ userId: "alice" });
  });

  it("gives each session its own copy of the claims of a remembered token", async () => {
    const jwt = new JwtAuthenticator({ secret, cacheSize: 100 });
    const token = await sign({ sub: "alice", team: "blue" });
    const first = await jwt.authenticate({ token });
    first.claims.team = "changed";
    first.roles.push("admin");
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({
      roles: [],
      claims: { team: "blue" },
    });
  });

  it("refuses a remembered bad signature again with the same reason", async () => {
    const jwt = new JwtAuthenticator({ secret, cacheSize: 100 });
    const forged = await new SignJWT({ sub: "mallory" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(hmacKey("another-secret-entirely-for-signing"));
    for (let i = 0; i < 2; i++) {
      expect(() => jwt.authenticateSync({ token: forged })).toThrow(
        expect.objectContaining({ reason: "token_signature_invalid" }),
      );
    }
  });
});

describe("JwtAuthenticator's strict checks", () => {
  it("refuses a token whose iat is not a number", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const token = await sign({ sub: "alice", iat: "yesterday" });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("iat"),
    });
  });

  it("refuses a token without the configured issuer or audience as a claim failure", async () => {
    const jwt = new JwtAuthenticator({ secret, issuer: "https://issuer", audience: "postoffice" });
    await expect(
      jwt.authenticate({ token: await sign({ sub: "alice", aud: "postoffice" }) }),
    ).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("iss"),
    });
    await expect(
      jwt.authenticate({ token: await sign({ sub: "alice", iss: "https://issuer" }) }),
    ).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("aud"),
    });
  });

  it("accepts an audience among several in the token", async () => {
    const jwt = new JwtAuthenticator({ secret, audience: "postoffice" });
    const token = await sign({ sub: "alice", aud: ["billing", "postoffice"] });
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("refuses an exp that is not a number as a claim failure", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const token = await sign({ sub: "alice", exp: "tomorrow" });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("exp"),
    });
  });

  it("refuses an HS256 token with an empty signature as a bad signature", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const token = (await sign({ sub: "alice" })).replace(/[^.]+$/, "");
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });

  it("refuses a header without alg as malformed", async () => {
    const jwt = new JwtAuthenticator({ secret });
    const head = Buffer.from(JSON.stringify({ typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ sub: "alice" })).toString("base64url");
    await expect(jwt.authenticate({ token: `${head}.${body}.c2ln` })).rejects.toMatchObject({
      reason: "token_malformed",
    });
  });

  it("accepts the fully-specified Ed25519 algorithm from an Ed25519 key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(publicKey) });
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "Ed25519" })
      .sign(privateKey);
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("refuses an ES256 token whose signature has the wrong length as a bad signature", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(publicKey) });
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "ES256" })
      .sign(privateKey);
    await expect(jwt.authenticate({ token: `${token}AAAA` })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });
});
