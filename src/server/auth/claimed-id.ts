import { AuthError, type Credentials } from "./authenticator.js";
import type { Identity } from "./identity.js";

/** A static token's `user` that stands for the id the client claims (Credentials.claimedUserId). */
export const ANY_CLAIMED_USER = "*";

/**
 * The identity, if it is the user the client claimed to be; otherwise a refusal. A client that
 * names itself in the handshake (`?client_id=alice`) and then presents bob's token is not let
 * in as either: its mail would be addressed to one and read by the other.
 */
export function checkClaimedId(identity: Identity, credentials: Credentials): Identity {
  const claimed = credentials.claimedUserId;
  if (claimed === undefined || identity.userId === claimed) return identity;
  throw new AuthError(
    "token_claim_invalid",
    "the token is for another user than the id this client connected as",
  );
}
