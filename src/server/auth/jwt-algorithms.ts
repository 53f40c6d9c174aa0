import type { KeyObject } from "node:crypto";

/** What a key source can verify: a JWT's `alg` must be one of these, whatever it claims. */
export const HMAC_ALGORITHMS: readonly string[] = ["HS256", "HS384", "HS512"];
const RSA_ALGORITHMS: readonly string[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_ALGORITHMS: Record<string, readonly string[]> = {
  prime256v1: ["ES256"],
  secp384r1: ["ES384"],
  secp521r1: ["ES512"],
};
const EDDSA_ALGORITHMS: readonly string[] = ["EdDSA", "Ed25519"];
/** A key set may hold any public key, but never a shared secret: publishing one would be a leak. */
export const JWKS_ALGORITHMS: readonly string[] = [
  ...RSA_ALGORITHMS,
  "ES256",
  "ES384",
  "ES512",
  ...EDDSA_ALGORITHMS,
];

/**
 * The algorithms a public key can verify, by its type (and curve): an RSA key never verifies
 * ES256, a P-256 key only ES256. Throws, naming `where`, for a key that should not be trusted.
 */
export function algorithmsForKey(key: KeyObject, where: string): readonly string[] {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case "rsa":
      if ((details.modulusLength ?? 0) < 2048) {
        throw new Error(`${where}: RSA keys must be 2048 bits or larger`);
      }
      return RSA_ALGORITHMS;
    case "ec": {
      const algorithms = EC_ALGORITHMS[details.namedCurve ?? ""];
      if (algorithms === undefined) {
        throw new Error(`${where}: unsupported EC curve ${details.namedCurve}`);
      }
      return algorithms;
    }
    case "ed25519":
      return EDDSA_ALGORITHMS;
    default:
      throw new Error(
        `${where}: unsupported key type ${type}; use RSA, EC P-256/384/521 or Ed25519`,
      );
  }
}

/**
 * The configured algorithms, checked against what the key allows; all of them when none are
 * configured. `none` is never among what a key allows, so it can never be configured.
 */
export function pinAlgorithms(
  allowed: readonly string[],
  configured: readonly string[] | undefined,
): readonly string[] {
  if (configured === undefined) return allowed;
  if (configured.length === 0) {
    throw new Error(
      "auth.jwt.algorithms: must not be empty (omit it to accept what the key allows)",
    );
  }
  const refused = configured.filter((alg) => !allowed.includes(alg));
  if (refused.length > 0) {
    throw new Error(
      `auth.jwt.algorithms: ${refused.join(", ")} cannot be used with the configured key (it allows ${allowed.join(", ")})`,
    );
  }
  return [...new Set(configured)];
}
