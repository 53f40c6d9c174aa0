import { SignJWT } from "jose";
import { loadOrCreateDevSecret } from "../server/auth/dev-secret.js";
import { hmacKey } from "../server/auth/jwt-authenticator.js";
import { usesDevSecret } from "../server/compose/authenticator.js";
import type { LoadedConfig } from "../server/config/load-config.js";

export interface MintRequest {
  sub: string;
  roles: string[];
  ttlSeconds: number;
}

/** The key a token is signed with, and what to tell the operator about it (never the key). */
export type SigningKey =
  | { ok: true; secret: string; said: string; warning?: string }
  | { ok: false; why: string };

/**
 * The secret the server with this configuration verifies HS* tokens with: auth.jwt.secret,
 * or the development secret in the data directory when no authentication is configured
 * (created if missing, as the server would create it). Says which, so that a token minted
 * against another data directory's secret does not fail later with token_signature_invalid
 * and no clue why.
 */
export async function signingKey({ config, sources }: LoadedConfig): Promise<SigningKey> {
  const jwt = config.auth.jwt;
  if (jwt?.secret !== undefined) {
    const from = sources.describe("/auth/jwt/secret");
    return {
      ok: true,
      secret: jwt.secret,
      said: `auth.jwt.secret${from ? ` (from ${from})` : ""}`,
    };
  }
  if (usesDevSecret(config.auth)) {
    const dev = await loadOrCreateDevSecret(config.server.dataDir);
    const said = `the development secret in ${dev.path}`;
    if (!dev.created) return { ok: true, secret: dev.secret, said };
    return {
      ok: true,
      secret: dev.secret,
      said,
      warning:
        `there was no development secret in ${config.server.dataDir}, so this made a new one. ` +
        "A server that runs from another directory (or another server.dataDir) has its own and " +
        "refuses this token (token_signature_invalid): mint tokens where the server runs, or " +
        "give this command the server's --config.",
    };
  }
  // Minting a token the server would refuse helps nobody: say why instead.
  return {
    ok: false,
    why:
      jwt?.publicKey || jwt?.publicKeyFile || jwt?.jwksUrl
        ? "auth.jwt uses a public key or JWKS; tokens are minted by whoever holds the private key."
        : "this configuration accepts no HS256 JWT (set auth.jwt.secret or POSTOFFICE_JWT_SECRET).",
  };
}

/** A JWT the configured authenticator accepts: claims where auth.jwt says, the first HS* alg. */
export async function mintToken(
  { config }: LoadedConfig,
  secret: string,
  request: MintRequest,
): Promise<string> {
  const jwt = config.auth.jwt;
  const claims: Record<string, unknown> = { [jwt?.rolesClaim ?? "roles"]: request.roles };
  const userClaim = jwt?.userClaim ?? "sub";
  if (userClaim !== "sub") claims[userClaim] = request.sub;
  let token = new SignJWT(claims)
    .setProtectedHeader({
      alg: jwt?.algorithms?.find((alg) => alg.startsWith("HS")) ?? "HS256",
      typ: "JWT",
    })
    .setSubject(request.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds);
  if (jwt?.issuer) token = token.setIssuer(jwt.issuer);
  if (jwt?.audience) token = token.setAudience(jwt.audience);
  return token.sign(hmacKey(secret));
}
