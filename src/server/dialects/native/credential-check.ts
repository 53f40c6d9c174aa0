import { type Credentials, toAuthError } from "../../auth/authenticator.js";
import type { Identity } from "../../auth/identity.js";
import type { Admission, DialectContext, HandshakeCredential } from "../dialect.js";

type Admitted = { readsNative: boolean; since: number | undefined | null; claimedId?: string };

/**
 * A handshake's credential, checked by the authenticator before the upgrade completes. A
 * refusal is told over the WebSocket (error frame, then close 4401) rather than as an HTTP
 * error, because a browser cannot read a refused handshake [AUTH-1]. Decided without a promise
 * when the authenticator can tell at once (static tokens, a JWT whose key is in memory): the
 * common handshake costs no promise; a webhook or a key set to fetch answers later.
 */
export function checkCredential(
  context: DialectContext,
  credential: HandshakeCredential,
  admitted: Admitted,
): Admission<never> | Promise<Admission<never>> {
  const { authenticator } = context;
  const credentials: Credentials = { token: credential.token, address: credential.address };
  if (admitted.claimedId !== undefined) credentials.claimedUserId = admitted.claimedId;
  let now: Identity | undefined;
  try {
    now = authenticator.authenticateSync?.(credentials);
  } catch (error) {
    return refused(admitted, error);
  }
  if (now !== undefined) return { ...admitted, kind: "identified", identity: now };
  return authenticator.authenticate(credentials).then(
    (identity): Admission<never> => ({ ...admitted, kind: "identified", identity }),
    (error: unknown) => refused(admitted, error),
  );
}

/** The authenticator logs its own failures, throttled; the client is told why. */
function refused(admitted: Admitted, error: unknown): Admission<never> {
  return { ...admitted, kind: "unauthorized", error: toAuthError(error) };
}
