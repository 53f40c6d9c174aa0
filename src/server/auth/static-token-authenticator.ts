import { createHash } from "node:crypto";
import { AuthError, type Authenticator, type Credentials } from "./authenticator.js";
import type { Identity } from "./identity.js";

/** A fixed token and the identity it grants. */
export interface StaticToken {
  token: string;
  user: string;
  roles: readonly string[];
}

/**
 * Fixed tokens from the configuration, each naming a user and roles.
 * Tokens are keyed by their SHA-256: the map compares digests, never the secret itself,
 * so the time a lookup takes says nothing about how much of a guess was right.
 */
export class StaticTokenAuthenticator implements Authenticator {
  readonly #byDigest = new Map<string, StaticToken>();

  constructor(tokens: readonly StaticToken[]) {
    tokens.forEach((entry, index) => {
      if (entry.token === "") {
        throw new Error(`auth.tokens[${index}].token: must not be empty`);
      }
      const digest = sha256(entry.token);
      if (this.#byDigest.has(digest)) {
        // Two users behind one token would make the identity depend on list order.
        throw new Error(`auth.tokens[${index}].token: the same token is listed twice`);
      }
      this.#byDigest.set(digest, { ...entry, roles: [...entry.roles] });
    });
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const entry = this.#byDigest.get(sha256(credentials.token));
    if (entry === undefined) {
      throw new AuthError("token_unknown", "the token is not one of the configured static tokens");
    }
    return { userId: entry.user, roles: [...entry.roles], claims: {}, anonymous: false };
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
