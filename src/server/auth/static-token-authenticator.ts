import { createHash } from "node:crypto";
import { AuthError, type Authenticator, type Credentials } from "./authenticator.js";
import { ANY_CLAIMED_USER } from "./claimed-id.js";
import type { Identity } from "./identity.js";

/** A fixed token and the identity it grants. */
export interface StaticToken {
  token: string;
  /** `*` (ANY_CLAIMED_USER): the id the client claims, for dialects whose clients claim one. */
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
    return this.authenticateSync(credentials);
  }

  authenticateSync(credentials: Credentials): Identity {
    const entry = this.#byDigest.get(sha256(credentials.token));
    if (entry === undefined) {
      throw new AuthError("token_unknown", "the token is not one of the configured static tokens");
    }
    let userId = entry.user;
    if (userId === ANY_CLAIMED_USER) {
      // Only where the client claimed an id: anywhere else the token would name nobody.
      if (credentials.claimedUserId === undefined) {
        throw new AuthError(
          "token_rejected",
          "this token stands for the id a client connects as, and this client named none",
        );
      }
      userId = credentials.claimedUserId;
    }
    return { userId, roles: [...entry.roles], claims: {}, anonymous: false };
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
