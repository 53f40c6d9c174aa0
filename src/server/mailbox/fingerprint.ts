import { hash } from "node:crypto";
import { type NewMail, serializedBody } from "./message-store.js";

/**
 * What makes a send a retry of an earlier one besides its (from, ref) key: the same
 * recipient and body. A client that reuses a frame id for different mail (ids numbered per
 * connection, say) gets that mail stored, not someone else's old receipt [DELIVERY-4].
 */
export function mailFingerprint(mail: NewMail): string {
  return hash("sha256", `${mail.to}\n${serializedBody(mail)}`, "base64url");
}
