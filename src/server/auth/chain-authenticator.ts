import { isGuestId } from "../../protocol/index.js";
import { AuthError, type Authenticator, type Credentials, toAuthError } from "./authenticator.js";
import { checkClaimedId } from "./claimed-id.js";
import type { Identity } from "./identity.js";

/**
 * Tries authenticators in order; the first that accepts wins. Only `token_unknown` passes
 * the token on: any other refusal is a verdict (an expired JWT is expired, not unknown), so
 * a later, weaker authenticator never gets to overrule it.
 *
 * It is the one door of every credential, so it also keeps the guests' namespace: an identity
 * whose user id starts with `~` (a JWT `sub`, a webhook's `user`, a static token's) is refused,
 * as only anonymous guests have such ids [AUTH-7].
 *
 * The identity it gives is also checked against the id the client claimed, if any
 * (claimed-id.ts): every node's authenticator is a chain, so every kind of credential is.
 */
export class ChainAuthenticator implements Authenticator {
  readonly #authenticators: readonly Authenticator[];

  constructor(authenticators: readonly Authenticator[]) {
    this.#authenticators = [...authenticators];
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const decided = this.#decideNow(credentials);
    if (typeof decided !== "number") return decided;
    for (const authenticator of this.#authenticators.slice(decided)) {
      let identity: Identity;
      try {
        identity = await authenticator.authenticate(credentials);
      } catch (error) {
        // The Authenticator contract: a bug or outage is "unavailable", never "refused".
        const refusal = toAuthError(error);
        if (refusal.reason !== "token_unknown") throw refusal;
        continue;
      }
      return checkClaimedId(notAGuest(identity), credentials);
    }
    throw new AuthError("token_unknown", "no configured authenticator recognises the token");
  }

  authenticateSync(credentials: Credentials): Identity | undefined {
    const decided = this.#decideNow(credentials);
    return typeof decided === "number" ? undefined : decided;
  }

  /**
   * The chain as far as it goes without I/O: an identity, a thrown refusal, or the index of
   * the first authenticator that needs I/O to answer (the ones before it passed the token on).
   */
  #decideNow(credentials: Credentials): Identity | number {
    if (credentials.token === "") {
      throw new AuthError("token_missing", "no token was given");
    }
    for (const [index, authenticator] of this.#authenticators.entries()) {
      let identity: Identity | undefined;
      try {
        identity = authenticator.authenticateSync?.(credentials);
      } catch (error) {
        const refusal = toAuthError(error);
        if (refusal.reason !== "token_unknown") throw refusal;
        continue;
      }
      return identity === undefined ? index : checkClaimedId(notAGuest(identity), credentials);
    }
    throw new AuthError("token_unknown", "no configured authenticator recognises the token");
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(
      this.#authenticators.map(async (authenticator) => authenticator.close?.()),
    );
    const failures = results.flatMap((result) =>
      result.status === "rejected" ? [result.reason] : [],
    );
    if (failures.length > 0) {
      throw new AggregateError(failures, "some authenticators failed to close");
    }
  }
}

function notAGuest(identity: Identity): Identity {
  if (!isGuestId(identity.userId)) return identity;
  throw new AuthError(
    "token_claim_invalid",
    "the token's user id starts with ~, which only anonymous guests' ids do",
  );
}
