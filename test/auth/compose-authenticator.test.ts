import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hmacKey } from "../../src/server/auth/jwt-authenticator.js";
import { buildAuthenticator } from "../../src/server/compose/authenticator.js";
import type { AuthConfig, JwtConfig } from "../../src/server/config/config.js";
import { sendJson, startLocalHttp } from "./local-http.js";

const jwtDefaults: JwtConfig = { userClaim: "sub", rolesClaim: "roles", clockToleranceSec: 5 };
const webhookDefaults = {
  timeoutMs: 2000,
  cacheTtlMs: 0,
  refusalCacheTtlMs: 5000,
  maxBodyBytes: 65536,
  maxConcurrent: 32,
  maxQueued: 256,
  circuitFailures: 5,
  circuitCooldownMs: 10000,
  addressBudget: 5,
  addressWindowMs: 60000,
};

function authConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    timeoutMs: 5000,
    queryParam: "token",
    cookieName: "session-token",
    tokens: [],
    anonymous: { enabled: false, allowNonLoopback: false },
    ...overrides,
  };
}

function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  return {
    lines,
    warn: (obj: object, msg: string) => lines.push({ level: "warn", obj, msg }),
    info: (obj: object, msg: string) => lines.push({ level: "info", obj, msg }),
    debug: (obj: object, msg: string) => lines.push({ level: "debug", obj, msg }),
    error: (obj: object, msg: string) => lines.push({ level: "error", obj, msg }),
  };
}

describe("buildAuthenticator", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "postoffice-compose-auth-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("falls back to a development secret when nothing is configured, and says where", async () => {
    const log = recordingLog();
    const { authenticator, devSecretPath } = await buildAuthenticator(authConfig(), dataDir, log);
    expect(devSecretPath).toBe(join(dataDir, "jwt-secret"));
    const warning = log.lines.find((line) => line.level === "warn");
    expect(warning?.msg).toContain(devSecretPath);
    expect(warning?.msg).toContain("postoffice token --sub alice");

    const secret = await readFile(devSecretPath ?? "", "utf8");
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(hmacKey(secret));
    await expect(authenticator.authenticate({ token })).resolves.toMatchObject({
      userId: "alice",
    });
    const hs512 = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS512" })
      .sign(hmacKey(secret));
    await expect(authenticator.authenticate({ token: hs512 })).rejects.toMatchObject({
      reason: "token_algorithm_forbidden",
    });
  });

  it("refuses every token in anonymous mode with nothing else configured", async () => {
    const { authenticator, devSecretPath } = await buildAuthenticator(
      authConfig({ anonymous: { enabled: true, allowNonLoopback: false } }),
      dataDir,
      recordingLog(),
    );
    expect(devSecretPath).toBeUndefined();
    await expect(authenticator.authenticate({ token: "anything" })).rejects.toMatchObject({
      reason: "token_unknown",
    });
  });

  it("chains static tokens, a JWT key read from a file and the webhook, in that order", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const keyFile = join(dataDir, "jwt.pem");
    await writeFile(keyFile, await exportSPKI(publicKey));
    const hook = await startLocalHttp((_req, res, body) =>
      sendJson(res, 200, { user: `hook-${(JSON.parse(body) as { token: string }).token}` }),
    );
    try {
      const { authenticator, devSecretPath } = await buildAuthenticator(
        authConfig({
          tokens: [{ token: "static-1", user: "ops", roles: ["admin"] }],
          jwt: { ...jwtDefaults, publicKeyFile: keyFile },
          webhook: { ...webhookDefaults, url: hook.url },
        }),
        dataDir,
        recordingLog(),
      );
      expect(devSecretPath).toBeUndefined();
      const jwt = await new SignJWT({ sub: "alice" })
        .setProtectedHeader({ alg: "ES256" })
        .sign(privateKey);
      await expect(authenticator.authenticate({ token: "static-1" })).resolves.toMatchObject({
        userId: "ops",
      });
      await expect(authenticator.authenticate({ token: jwt })).resolves.toMatchObject({
        userId: "alice",
      });
      await expect(authenticator.authenticate({ token: "opaque" })).resolves.toMatchObject({
        userId: "hook-opaque",
      });
      expect(hook.requests).toEqual(['{"token":"opaque"}']);
      await authenticator.close?.();
    } finally {
      await hook.close();
    }
  });

  it("refuses a JWT block with both publicKey and publicKeyFile", async () => {
    const config = authConfig({
      jwt: { ...jwtDefaults, publicKey: "pem", publicKeyFile: "/some/file.pem" },
    });
    await expect(buildAuthenticator(config, dataDir, recordingLog())).rejects.toThrow(/not both/);
  });

  it("names the public key file it cannot read", async () => {
    const missing = join(dataDir, "missing.pem");
    const config = authConfig({ jwt: { ...jwtDefaults, publicKeyFile: missing } });
    await expect(buildAuthenticator(config, dataDir, recordingLog())).rejects.toThrow(missing);
  });
});
