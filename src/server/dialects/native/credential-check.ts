import { AuthError, toAuthError } from "../../auth/authenticator.js";
import type { Admission, DialectContext, HandshakeCredential } from "../dialect.js";

/**
 * A handshake's credential, checked by the authenticator before the upgrade completes. A
 * refusal is told over the WebSocket (error frame, then close 4401) rather than as an HTTP
 * error, because a browser cannot read a refused handshake [AUTH-1].
 */
export async function checkCredential(
  context: DialectContext,
  credential: HandshakeCredential,
  admitted: { readsNative: boolean; since: number | undefined | null; claimedId?: string },
): Promise<Admission<never>> {
  const claimed = admitted.claimedId;
  try {
    const identity = await context.authenticator.authenticate(
      claimed === undefined
        ? { token: credential.token }
        : { token: credential.token, claimedUserId: claimed },
    );
    return { ...admitted, kind: "identified", identity };
  } catch (error) {
    if (!(error instanceof AuthError)) context.log.error({ err: error }, "authenticator failed");
    return { ...admitted, kind: "unauthorized", error: toAuthError(error) };
  }
}
