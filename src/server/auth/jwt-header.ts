import { AuthError } from "./authenticator.js";

/** What a JWT's header says about how to check it. */
export interface JwtHeader {
  alg: string;
  kid: string | undefined;
}

/**
 * The header of a JWT-shaped token, with its `alg` checked against the accepted algorithms
 * before any key is chosen or touched: `none` and algorithm confusion stop here.
 * Throws `token_malformed` (not base64url JSON, no `alg`) or `token_algorithm_forbidden`.
 */
export function readHeader(token: string, algorithms: readonly string[]): JwtHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString());
  } catch (cause) {
    throw new AuthError("token_malformed", "the JWT header is not valid base64url JSON", {
      cause,
    });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new AuthError("token_malformed", "the JWT header is not a JSON object");
  }
  const { alg, kid } = header as Record<string, unknown>;
  if (typeof alg !== "string") {
    throw new AuthError("token_malformed", "the JWT header has no alg");
  }
  if (alg.toLowerCase() === "none" || !algorithms.includes(alg)) {
    throw new AuthError(
      "token_algorithm_forbidden",
      `the JWT algorithm ${alg} is not accepted (accepted: ${algorithms.join(", ")})`,
    );
  }
  if (kid !== undefined && typeof kid !== "string") {
    throw new AuthError("token_malformed", "the JWT header's kid is not a string");
  }
  return { alg, kid };
}
