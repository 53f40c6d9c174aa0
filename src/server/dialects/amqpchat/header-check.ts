import { createHash, timingSafeEqual } from "node:crypto";
import { AuthError, toAuthError } from "../../auth/authenticator.js";
import type { Identity } from "../../auth/identity.js";
import type { DialectContext } from "../dialect.js";

/** What the `Authorization` header of an upgrade proves, or why it proves nothing. */
export type HeaderCheck =
  | { ok: true; identity: Identity }
  | { ok: false; reason: "authorization_missing" | "authorization_invalid" | "auth_unavailable" };

/**
 * The seed's middleware: the whole `Authorization` header must equal `AUTHHEADER`
 * (`amqpchat.authHeader`); the client is then whoever its `?id=` says. Without that setting,
 * the header's token (after `Bearer `, if any) goes to the endpoint's authenticators, and the
 * identity must be the `?id=` user (Credentials.claimedUserId). `id` is "" when there is none:
 * the header is checked first, as the seed checks it before it reads the id.
 */
export async function checkHeader(
  context: DialectContext,
  header: string,
  id: string,
): Promise<HeaderCheck> {
  if (header === "") return { ok: false, reason: "authorization_missing" };
  const expected = context.amqpchat.authHeader;
  if (expected !== undefined) {
    return sameSecret(header, expected)
      ? { ok: true, identity: { userId: id, roles: [], claims: {}, anonymous: false } }
      : { ok: false, reason: "authorization_invalid" };
  }
  const token = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] ?? header;
  try {
    const identity = await context.authenticator.authenticate(
      id === "" ? { token } : { token, claimedUserId: id },
    );
    return { ok: true, identity };
  } catch (error) {
    if (!(error instanceof AuthError)) context.log.error({ err: error }, "authenticator failed");
    // The seed had no authenticator to lose: an outage is not the client's fault.
    const unavailable = toAuthError(error).reason === "auth_unavailable";
    return { ok: false, reason: unavailable ? "auth_unavailable" : "authorization_invalid" };
  }
}

/** Compared in constant time: digests first, so that the length is not told either. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
