import { SignJWT } from "jose";
import { CHAOS_JWT_SECRET } from "./postoffice-node.js";

/** A token for `user`, signed with the secret the harness gives its nodes. */
export function tokenFor(user: string): Promise<string> {
  return new SignJWT({ sub: user })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(CHAOS_JWT_SECRET));
}
