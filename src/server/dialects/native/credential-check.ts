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
  // The credential itself (its address a getter: read only if an authenticator asks for it),
  // unless the client claimed an id; an object with a getter made here would cost ~0.35 µs.
  const claimedId = admitted.claimedId;
  const credentials: Credentials =
    claimedId === undefined ? credential : new ClaimedCredentials(credential, claimedId);
  let now: Identity | undefined;
  try {
    now = authenticator.authenticateSync?.(credentials);
  } catch (error) {
    return refused(admitted, error);
  }
  if (now !== undefined) return identified(admitted, now);
  return authenticator.authenticate(credentials).then(
    (identity) => identified(admitted, identity),
    (error: unknown) => refused(admitted, error),
  );
}

/** Made whole in one literal, on every handshake: no spread of `admitted` into a new object. */
function identified(admitted: Admitted, identity: Identity): Admission<never> {
  const { readsNative, since, claimedId } = admitted;
  return claimedId === undefined
    ? { kind: "identified", identity, readsNative, since }
    : { kind: "identified", identity, readsNative, since, claimedId };
}

/** The authenticator logs its own failures, throttled; the client is told why. */
function refused(admitted: Admitted, error: unknown): Admission<never> {
  return { ...admitted, kind: "unauthorized", error: toAuthError(error) };
}

/** A handshake's credential with the id the client claimed (Credentials.claimedUserId). */
class ClaimedCredentials implements Credentials {
  readonly token: string;

  constructor(
    private readonly credential: HandshakeCredential,
    readonly claimedUserId: string,
  ) {
    this.token = credential.token;
  }

  get address(): string | undefined {
    return this.credential.address;
  }
}
