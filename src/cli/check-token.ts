import { stat } from "node:fs/promises";
import { join } from "node:path";
import { type AuthFailureReason, toAuthError } from "../server/auth/authenticator.js";
import { DEV_SECRET_FILE } from "../server/auth/dev-secret.js";
import type { Identity } from "../server/auth/identity.js";
import { buildAuthenticator, usesDevSecret } from "../server/compose/authenticator.js";
import type { AuthConfig } from "../server/config/config.js";
import type { LoadedConfig } from "../server/config/load-config.js";
import { maskUrlSecrets } from "../server/config/redact.js";

/** What a server with the configuration would decide about a token, and with what. */
export interface TokenCheck {
  verdict:
    | { accepted: true; identity: Identity }
    | { accepted: false; reason: AuthFailureReason; message: string };
  /** The authenticators that decided: "the development secret in data/jwt-secret", "jwt"... */
  checkedWith: string;
  /** Anything else the operator should know: anonymous mode, the cause of an outage. */
  notes: string[];
}

/**
 * Runs the token through the authenticators the server would build from this configuration
 * (compose/authenticator.ts, the same function), so the answer is the server's: accepted as
 * whom, or refused with the reason its `unauthorized` error would carry. Nothing is created: a
 * development secret that does not exist yet cannot have signed the token.
 */
export async function checkToken(loaded: LoadedConfig, token: string): Promise<TokenCheck> {
  const { auth, server } = loaded.config;
  if (usesDevSecret(auth)) {
    const path = join(server.dataDir, DEV_SECRET_FILE);
    if (!(await exists(path))) {
      return {
        verdict: {
          accepted: false,
          reason: "token_signature_invalid",
          message: `there is no development secret at ${path} yet: the server makes a new one when it first starts, and nothing signed before can match it`,
        },
        checkedWith: `the development secret in ${path} (missing)`,
        notes: [],
      };
    }
  }
  const silent = (): undefined => undefined;
  const quiet = { debug: silent, info: silent, warn: silent, error: silent };
  const built = await buildAuthenticator(auth, server.dataDir, quiet);
  const checkedWith =
    built.devSecretPath !== undefined
      ? `the development secret in ${built.devSecretPath}`
      : describeAuthenticators(auth);
  const notes = auth.anonymous.enabled
    ? ["this server is in anonymous mode: clients without a token get in, named by ?username="]
    : [];
  try {
    const identity = await built.authenticator.authenticate({ token });
    return { verdict: { accepted: true, identity }, checkedWith, notes };
  } catch (error) {
    const refusal = toAuthError(error);
    if (refusal.reason === "auth_unavailable" && refusal.cause instanceof Error) {
      notes.push(`cause: ${maskUrlSecrets(refusal.cause.message)}`);
    }
    if (refusal.reason === "token_signature_invalid" && built.devSecretPath !== undefined) {
      notes.push(
        "`postoffice token` run elsewhere (another directory, another server.dataDir) signs with that place's development secret",
      );
    }
    return {
      verdict: { accepted: false, reason: refusal.reason, message: refusal.message },
      checkedWith,
      notes,
    };
  } finally {
    await built.authenticator.close?.();
  }
}

/** The configured authenticators, in the order the chain tries them. */
function describeAuthenticators(auth: AuthConfig): string {
  const kinds: string[] = [];
  if (auth.tokens.length > 0) kinds.push(`static tokens (${auth.tokens.length})`);
  const jwt = auth.jwt;
  if (jwt?.secret) kinds.push("JWT with auth.jwt.secret");
  else if (jwt?.publicKey || jwt?.publicKeyFile) kinds.push("JWT with a public key");
  else if (jwt?.jwksUrl) kinds.push(`JWT with the keys of ${maskUrlSecrets(jwt.jwksUrl)}`);
  if (auth.webhook) kinds.push(`the webhook ${maskUrlSecrets(auth.webhook.url)}`);
  return kinds.length > 0 ? kinds.join(", then ") : "no authenticator (anonymous sessions only)";
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
