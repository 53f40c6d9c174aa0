import type { Authenticator } from "../auth/authenticator.js";

/**
 * Checks the second token of a `secure` event (`payload.token`): its claims, or a throw saying
 * why not. The composition root gives one built from `auth.jwt` (the same keys, algorithms,
 * issuer, audience and leeway as the session's token).
 */
export interface TokenVerifier {
  verify(token: string): Promise<Readonly<Record<string, unknown>>>;
}

/** A verifier over an authenticator: the claims of the identity it vouches for. */
export function tokenVerifierOf(authenticator: Authenticator): TokenVerifier {
  return {
    async verify(token) {
      const identity = await authenticator.authenticate({ token });
      return identity.claims;
    },
  };
}
