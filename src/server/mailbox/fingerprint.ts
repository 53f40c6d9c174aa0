import { hash } from "node:crypto";
import { type NewMail, serializedBody } from "./message-store.js";

/**
 * What makes a send a retry of an earlier one besides its (from, ref) key: the same
 * recipient and body. A client that reuses a frame id for different mail (ids numbered per
 * connection, say) gets that mail stored, not someone else's old receipt [DELIVERY-4].
 *
 * Compared only with the fingerprint of the one earlier send of the same (from, ref), so it
 * needs to be stable (it is stored on disk), not cryptographic: a 53-bit hash of two 32-bit
 * lanes (cyrb53), computed in a loop over the text, costs a third of a sha256 by node:crypto
 * (a call into C++, the text converted to UTF-8, a base64 digest): ~110 ns for a short mail.
 * Two different mails share a key and a fingerprint with odds of 2^-53.
 */
export function mailFingerprint(mail: NewMail): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const to = mail.to;
  for (let i = 0; i < to.length; i++) {
    const c = to.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  // The separator: no recipient's text runs on into its body.
  h1 = Math.imul(h1 ^ 10, 2654435761);
  h2 = Math.imul(h2 ^ 10, 1597334677);
  const body = serializedBody(mail);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // In decimal: a double's toString(36) costs a microsecond, three times the sha256.
  return String(4294967296 * (2097151 & h2) + (h1 >>> 0));
}

/** The length of a fingerprint written by earlier versions: a sha256 in base64url. */
const LEGACY_LENGTH = 43;

/**
 * Whether a stored fingerprint is this mail's: one stored before the hash above (a key of a
 * database written by an earlier version, still inside its window) is a sha256 of the same
 * text, checked as such, so that a retry across an upgrade still lands once.
 */
export function sameFingerprint(stored: string, mail: NewMail, fingerprint: string): boolean {
  if (stored === fingerprint) return true;
  return stored.length === LEGACY_LENGTH && stored === sha256Fingerprint(mail);
}

/**
 * The fingerprint as a sha256 (base64url), as every store wrote it before: the Redis store
 * keeps it, since its script compares fingerprints itself, so that keys written before an
 * upgrade still match.
 */
export function sha256Fingerprint(mail: NewMail): string {
  return hash("sha256", `${mail.to}\n${serializedBody(mail)}`, "base64url");
}
