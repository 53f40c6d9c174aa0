import { CompactSign, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hmacKey, JwtAuthenticator } from "../../src/server/auth/jwt-authenticator.js";

const secret = "a-shared-secret-of-at-least-thirty-two-bytes";
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, alg = "HS256", key = secret): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(hmacKey(key));
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("JwtAuthenticator with a shared secret", () => {
  const jwt = new JwtAuthenticator({ secret });

  it.each(["HS256", "HS384", "HS512"])("accepts a token signed with %s", async (alg) => {
    const exp = now() + 60;
    const identity = await jwt.authenticate({
      token: await sign({ sub: "alice", roles: ["admin"], exp }, alg),
    });
    expect(identity).toEqual({
      userId: "alice",
      roles: ["admin"],
      claims: { sub: "alice", roles: ["admin"], exp },
      anonymous: false,
      expiresAt: exp * 1000,
    });
  });

  it("reads roles from one space-separated string", async () => {
    const identity = await jwt.authenticate({ token: await sign({ sub: "a", roles: "x  y z" }) });
    expect(identity.roles).toEqual(["x", "y", "z"]);
  });

  it("treats roles of any other shape as no roles", async () => {
    const identity = await jwt.authenticate({ token: await sign({ sub: "a", roles: [1, "x"] }) });
    expect(identity.roles).toEqual([]);
  });

  it("reads the user id and roles from the configured claims", async () => {
    const custom = new JwtAuthenticator({ secret, userClaim: "uid", rolesClaim: "scope" });
    const identity = await custom.authenticate({
      token: await sign({ sub: "ignored", uid: "bob", scope: "read write" }),
    });
    expect(identity.userId).toBe("bob");
    expect(identity.roles).toEqual(["read", "write"]);
  });

  it("accepts a token expired within the clock tolerance", async () => {
    const token = await sign({ sub: "alice", exp: now() - 2 });
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("refuses a token with a bad signature", async () => {
    const token = await sign({ sub: "alice" }, "HS256", "another-secret-entirely-for-signing");
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });

  it("refuses an expired token", async () => {
    const token = await sign({ sub: "alice", exp: now() - 60 });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({ reason: "token_expired" });
  });

  it("refuses a token that is not valid yet", async () => {
    const token = await sign({ sub: "alice", nbf: now() + 60 });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_not_yet_valid",
    });
  });

  it("refuses a token signed with alg none", async () => {
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "alice" })}.`;
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_algorithm_forbidden",
    });
  });

  it("refuses a token without a user id", async () => {
    await expect(jwt.authenticate({ token: await sign({ name: "x" }) })).rejects.toMatchObject({
      reason: "token_user_missing",
    });
    await expect(jwt.authenticate({ token: await sign({ sub: "" }) })).rejects.toMatchObject({
      reason: "token_user_missing",
    });
  });

  it("refuses a JWT-shaped string that is not a JWT as malformed", async () => {
    await expect(jwt.authenticate({ token: "abc.def.ghi" })).rejects.toMatchObject({
      reason: "token_malformed",
    });
  });

  it("refuses a signed token whose payload is not JSON as malformed", async () => {
    const token = await new CompactSign(new TextEncoder().encode("not json"))
      .setProtectedHeader({ alg: "HS256" })
      .sign(hmacKey(secret));
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_malformed",
    });
  });

  it("says token_unknown for a string that is not JWT-shaped, so a chain can go on", async () => {
    for (const token of ["opaque-token", "a.b", "a.b.c.d.e", "a b.c.d"]) {
      await expect(jwt.authenticate({ token })).rejects.toMatchObject({ reason: "token_unknown" });
    }
  });

  it("refuses an algorithm the configured list leaves out", async () => {
    const pinned = new JwtAuthenticator({ secret, algorithms: ["HS256"] });
    const token = await sign({ sub: "alice" }, "HS512");
    await expect(pinned.authenticate({ token })).rejects.toMatchObject({
      reason: "token_algorithm_forbidden",
    });
  });
});

describe("JwtAuthenticator claim checks", () => {
  const jwt = new JwtAuthenticator({ secret, issuer: "https://issuer", audience: "postoffice" });

  it("accepts the expected issuer and audience", async () => {
    const token = await sign({ sub: "alice", iss: "https://issuer", aud: "postoffice" });
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("refuses a wrong audience and names the claim", async () => {
    const token = await sign({ sub: "alice", iss: "https://issuer", aud: "elsewhere" });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("aud"),
    });
  });

  it("refuses a wrong issuer and names the claim", async () => {
    const token = await sign({ sub: "alice", iss: "https://evil", aud: "postoffice" });
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_claim_invalid",
      message: expect.stringContaining("iss"),
    });
  });
});

describe("JwtAuthenticator with a public key", () => {
  it("accepts RS256 and PS256 tokens from one RSA key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(publicKey) });
    expect(jwt.algorithms).toEqual(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]);
    const privatePem = await exportPKCS8(privateKey);
    for (const alg of ["RS256", "PS256"]) {
      // WebCrypto binds a key to one algorithm, so the signer imports it once per alg.
      const signer = await importPKCS8(privatePem, alg);
      const token = await new SignJWT({ sub: alg }).setProtectedHeader({ alg }).sign(signer);
      await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: alg });
    }
  });

  it("accepts an ES256 token and pins a P-256 key to ES256", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(publicKey) });
    expect(jwt.algorithms).toEqual(["ES256"]);
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "ES256" })
      .sign(privateKey);
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("accepts an EdDSA token from an Ed25519 key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(publicKey) });
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(privateKey);
    await expect(jwt.authenticate({ token })).resolves.toMatchObject({ userId: "alice" });
  });

  it("refuses an HS256 token signed with the RSA public key as secret (algorithm confusion)", async () => {
    const { publicKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    const jwt = new JwtAuthenticator({ publicKey: pem });
    const token = await sign({ sub: "mallory" }, "HS256", pem);
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_algorithm_forbidden",
    });
  });

  it("refuses a token signed by another key pair", async () => {
    const trusted = await generateKeyPair("ES256", { extractable: true });
    const other = await generateKeyPair("ES256");
    const jwt = new JwtAuthenticator({ publicKey: await exportSPKI(trusted.publicKey) });
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "ES256" })
      .sign(other.privateKey);
    await expect(jwt.authenticate({ token })).rejects.toMatchObject({
      reason: "token_signature_invalid",
    });
  });
});

describe("JwtAuthenticator configuration", () => {
  it("refuses algorithms the key cannot verify", async () => {
    expect(() => new JwtAuthenticator({ secret, algorithms: ["RS256"] })).toThrow(
      /auth\.jwt\.algorithms: RS256/,
    );
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    expect(() => new JwtAuthenticator({ publicKey: pem, algorithms: ["ES384"] })).toThrow(/ES384/);
  });

  it("never accepts none, even when configured", () => {
    expect(() => new JwtAuthenticator({ secret, algorithms: ["none"] })).toThrow(/none/);
  });

  it("requires exactly one key source", () => {
    expect(() => new JwtAuthenticator({})).toThrow(/exactly one/);
    expect(
      () => new JwtAuthenticator({ secret, jwksUrl: "https://example.test/jwks.json" }),
    ).toThrow(/secret, jwksUrl/);
  });

  it("refuses a public key that is not PEM", () => {
    expect(() => new JwtAuthenticator({ publicKey: "not a key" })).toThrow(/PEM/);
  });
});
